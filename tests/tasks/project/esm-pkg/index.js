// ESM: a "type": "module" package importing the environment's packages (.js files are ESM here).
import axios from "axios";
import { v4 as uuidv4 } from "uuid";
import semver from "semver";
import chalk from "chalk";

if (!/^[0-9a-f-]{36}$/.test(uuidv4())) throw new Error("uuid");
if (!semver.satisfies("1.13.6", "^1.13")) throw new Error("semver");
if (typeof chalk.red !== "function" || typeof axios.create !== "function") throw new Error("chalk/axios");
console.log("esm package ok");
