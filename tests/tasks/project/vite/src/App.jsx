import { useState } from "react";

export default function App({ name }) {
  const [n, setN] = useState(0);
  return <button onClick={() => setN(n + 1)}>Hello from React and {name}: {n}</button>;
}
