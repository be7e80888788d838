// prettier formats code (its CommonJS entry, async API).
const prettier = require("prettier");
const assert = require("assert");
prettier.format("const  a={b:1,c:[1,2,3]}", { parser: "babel" }).then((out) => {
	assert.strictEqual(out, "const a = { b: 1, c: [1, 2, 3] };\n");
	console.log("prettier ok");
});
