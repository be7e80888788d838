// TypeScript compiled with tsc --strict, then run with node.
interface Line { item: string; qty: number; price: number }
export function total(lines: Line[]): number {
	return lines.reduce((s, l) => s + l.qty * l.price, 0);
}
const t: number = total([{ item: "pen", qty: 2, price: 1.25 }, { item: "pad", qty: 1, price: 3 }]);
console.log(`total ${t.toFixed(2)}`);
