// Hive Gateway: forward the caller's token and correlation headers to every subgraph
// (README, "Federation": Order360 authenticates every request on the caller's token).
import { defineConfig } from "@graphql-hive/gateway";

const FORWARDED = ["authorization", "x-request-id", "traceparent"];

export const gatewayConfig = defineConfig({
  propagateHeaders: {
    fromClientToSubgraphs({ request }) {
      const headers = {};
      for (const name of FORWARDED) {
        const value = request.headers.get(name);
        if (value) headers[name] = value;
      }
      return headers;
    },
  },
});
