// A Node HTTP server on 127.0.0.1 (port chosen by the kernel) answering axios and node-fetch.
const http = require("http");
const axios = require("axios");
const fetch = require("node-fetch");
const assert = require("assert");

const srv = http.createServer((req, res) => {
	const u = new URL(req.url, "http://x");
	res.setHeader("content-type", "application/json");
	res.end(JSON.stringify({ path: u.pathname, n: Number(u.searchParams.get("n")) * 2 }));
});
srv.listen(0, "127.0.0.1", async () => {
	const base = `http://127.0.0.1:${srv.address().port}`;
	try {
		const a = await axios.get(`${base}/double?n=21`);
		assert.deepStrictEqual(a.data, { path: "/double", n: 42 });
		const f = await (await fetch(`${base}/twice?n=4`)).json();
		assert.deepStrictEqual(f, { path: "/twice", n: 8 });
		console.log("node http ok");
	} finally {
		srv.close();
	}
});
