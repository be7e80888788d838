// ESM: bare imports of the environment's packages from a .mjs file in the project.
import axios from "axios";
import _ from "lodash";
import dayjs from "dayjs";
import { z } from "zod";
import React from "react";
import { renderToString } from "react-dom/server";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
if (typeof axios.get !== "function") throw new Error("axios default export");
if (_.sum([1, 2, 3]) !== 6) throw new Error("lodash");
if (dayjs("2026-01-02").format("DD/MM") !== "02/01") throw new Error("dayjs");
if (z.object({ a: z.number() }).parse({ a: 1 }).a !== 1) throw new Error("zod");
const html = renderToString(React.createElement("p", { id: "x" }, "hi"));
if (html !== '<p id="x">hi</p>') throw new Error("react: " + html);
// the CommonJS view from the same file: the real path behind the root /node_modules link
console.log("esm ok", require.resolve("axios"));
