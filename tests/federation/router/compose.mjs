// Compose subgraphs into a supergraph with @theguild/federation-composition.
// Usage: node compose.mjs subgraphs.json supergraph.graphql
// subgraphs.json: [{"name": "...", "url": "...", "sdlFile": "..."}]
import { readFileSync, writeFileSync } from "node:fs";
import { parse } from "graphql";
import { composeServices } from "@theguild/federation-composition";

const [listFile, outFile] = process.argv.slice(2);
const services = JSON.parse(readFileSync(listFile, "utf8")).map((s) => ({
  name: s.name,
  url: s.url,
  typeDefs: parse(readFileSync(s.sdlFile, "utf8")),
}));
const result = composeServices(services);
if (result.errors && result.errors.length) {
  for (const error of result.errors) console.error(error.message);
  process.exit(1);
}
writeFileSync(outFile, result.supergraphSdl);
