#!/usr/bin/env node
// Compiles the project's own Solidity contracts (contracts/**/*.sol) with the pinned solc npm package and
// writes one artifact per deployable contract to dexbot/chain/contracts/artifacts/<Name>.json.
//
//   node scripts/compile-contracts.mjs [--out DIR]
//
// Output is deterministic (sorted keys, fixed indent, trailing newline) so the committed artifacts can be
// checked for staleness by recompiling into a temporary directory and comparing. `sourceHash` is the
// sha256 of every project source (path and text, in path order), the compiler settings, the solc version
// and the OpenZeppelin version: it changes whenever the bytecode could.

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import solc from "solc";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CONTRACTS_DIR = path.join(ROOT, "contracts");
const NODE_MODULES = path.join(ROOT, "node_modules");
const DEFAULT_OUT = path.join(ROOT, "dexbot", "chain", "contracts", "artifacts");

const SETTINGS = {
  evmVersion: "cancun",
  optimizer: { enabled: true, runs: 200 },
  outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
};

function parseArgs(argv) {
  let out = DEFAULT_OUT;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out" && i + 1 < argv.length) {
      out = path.resolve(argv[++i]);
    } else if (argv[i].startsWith("--out=")) {
      out = path.resolve(argv[i].slice("--out=".length));
    } else {
      console.error(`unknown argument ${argv[i]}; usage: node scripts/compile-contracts.mjs [--out DIR]`);
      process.exit(2);
    }
  }
  return { out };
}

function listSources(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...listSources(full));
    else if (entry.name.endsWith(".sol")) found.push(full);
  }
  return found;
}

// Source unit names are POSIX paths relative to the repo root ("contracts/tokens/TaxToken.sol"), so the
// metadata hash embedded in the bytecode does not depend on where the repo is checked out.
function unitName(file) {
  return path.relative(ROOT, file).split(path.sep).join("/");
}

function findImport(importPath) {
  const candidate = path.join(NODE_MODULES, ...importPath.split("/"));
  if (importPath.startsWith("@") && existsSync(candidate)) {
    return { contents: readFileSync(candidate, "utf8") };
  }
  return { error: `import not found: ${importPath} (run make setup to install node_modules)` };
}

function packageVersion(name) {
  const manifest = path.join(NODE_MODULES, ...name.split("/"), "package.json");
  return JSON.parse(readFileSync(manifest, "utf8")).version;
}

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys(value[key])]),
    );
  }
  return value;
}

function main() {
  const { out } = parseArgs(process.argv.slice(2));
  const started = Date.now();

  const files = listSources(CONTRACTS_DIR)
    .map((file) => ({ name: unitName(file), text: readFileSync(file, "utf8") }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (files.length === 0) {
    console.error(`no .sol files under ${CONTRACTS_DIR}`);
    process.exit(1);
  }

  const solcVersion = solc.version();
  const hash = createHash("sha256");
  for (const { name, text } of files) hash.update(`${name}\0${text}\0`);
  hash.update(JSON.stringify(sortKeys(SETTINGS)));
  hash.update(`\0solc ${solcVersion}\0@openzeppelin/contracts ${packageVersion("@openzeppelin/contracts")}`);
  const sourceHash = hash.digest("hex");

  const input = {
    language: "Solidity",
    sources: Object.fromEntries(files.map(({ name, text }) => [name, { content: text }])),
    settings: SETTINGS,
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport }));

  let failed = false;
  for (const diag of output.errors ?? []) {
    console.error(diag.formattedMessage ?? diag.message);
    if (diag.severity === "error") failed = true;
  }
  if (failed) process.exit(1);

  const artifacts = new Map();
  for (const { name: unit } of files) {
    for (const [contractName, contract] of Object.entries(output.contracts?.[unit] ?? {})) {
      const bytecode = contract.evm.bytecode.object;
      if (!bytecode) continue; // abstract contracts and interfaces
      if (artifacts.has(contractName)) {
        console.error(`two contracts are named ${contractName}; artifact names must be unique`);
        process.exit(1);
      }
      artifacts.set(contractName, {
        abi: contract.abi,
        bytecode: `0x${bytecode}`,
        contractName,
        deployedBytecode: `0x${contract.evm.deployedBytecode.object}`,
        solcVersion,
        sourceHash,
      });
    }
  }

  mkdirSync(out, { recursive: true });
  for (const entry of readdirSync(out)) {
    if (entry.endsWith(".json") && !artifacts.has(entry.slice(0, -".json".length))) {
      rmSync(path.join(out, entry));
    }
  }
  for (const [contractName, artifact] of artifacts) {
    writeFileSync(path.join(out, `${contractName}.json`), `${JSON.stringify(sortKeys(artifact), null, 2)}\n`);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const names = [...artifacts.keys()].sort().join(", ");
  console.log(`compiled ${artifacts.size} contracts with solc ${solcVersion} in ${seconds}s -> ${out}: ${names}`);
}

main();
