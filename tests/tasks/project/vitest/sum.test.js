import { describe, expect, it } from "vitest";
import { sum } from "./sum.js";

describe("sum", () => {
  it("adds", () => expect(sum(1, 2, 3.5)).toBe(6.5));
  it("is 0 for nothing", () => expect(sum()).toBe(0));
});
