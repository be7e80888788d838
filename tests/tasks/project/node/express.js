// An Express server on 127.0.0.1 (port chosen by the kernel): routing, a JSON body, a 404,
// answered through axios in the same process.
const express = require("express");
const axios = require("axios");
const assert = require("assert");

const app = express();
app.use(express.json());
app.get("/hello/:name", (req, res) => res.json({ hello: req.params.name }));
app.post("/total", (req, res) => res.json({ total: req.body.items.reduce((a, b) => a + b, 0) }));
const srv = app.listen(0, "127.0.0.1", async () => {
	const base = `http://127.0.0.1:${srv.address().port}`;
	try {
		assert.deepStrictEqual((await axios.get(`${base}/hello/ada`)).data, { hello: "ada" });
		assert.deepStrictEqual((await axios.post(`${base}/total`, { items: [1, 2, 3.5] })).data, { total: 6.5 });
		const miss = await axios.get(`${base}/nope`, { validateStatus: () => true });
		assert.strictEqual(miss.status, 404);
		console.log(`express ok ${require("express/package.json").version}`);
	} finally {
		srv.close();
	}
});
