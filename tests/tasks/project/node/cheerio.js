// HTML scraping with cheerio: links and prices out of the project's page.html.
const fs = require("fs");
const path = require("path");
const assert = require("assert");
const cheerio = require("cheerio");

const $ = cheerio.load(fs.readFileSync(path.join(__dirname, "..", "page.html"), "utf8"));
const products = $("ul.products a").map((_, a) => ({ name: $(a).text().trim(), href: $(a).attr("href") })).get();
assert.deepStrictEqual(products, [{ name: "Kettle", href: "/p/1" }, { name: "Toaster", href: "/p/2" }]);
const cents = $("td.price").map((_, td) => Math.round(Number($(td).text().replace("$", "")) * 100)).get().reduce((a, b) => a + b, 0);
assert.strictEqual(cents, 4449);
console.log(`cheerio ok ${$("title").text()}`);
