// A React component in TSX, run directly with tsx (esbuild transforms it), rendered to HTML.
import React from "react";
import { renderToString } from "react-dom/server";

type Props = { items: string[] };
function List({ items }: Props) {
	return (<ul>{items.map((i) => <li key={i}>{i}</li>)}</ul>);
}
const html = renderToString(<List items={["a", "b"]} />);
if (html !== "<ul><li>a</li><li>b</li></ul>") throw new Error(html);
console.log("tsx react ok");
