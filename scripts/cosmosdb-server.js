#!/usr/bin/env node
// Local stand-in for Azure Cosmos DB: @vercel/cosmosdb-server over HTTPS on 127.0.0.1,
// with the fixes the project needs.
//
//   node scripts/cosmosdb-server.js [--port 8081]     (or COSMOSDB_SERVER_PORT=8081)
//
// Prints one "cosmosdb-server ready ..." line once it accepts connections.
"use strict";

// The routes table captures each handler when routes.js is first loaded, so the
// fixed handler must replace the module's export before the server is required.
const readDocument = require("@vercel/cosmosdb-server/lib/handler/read-document");
const partitionHeader = require("@vercel/cosmosdb-server/lib/utils/get-partition-from-header");

const originalReadDocument = readDocument.default;

// Upstream reads the missing document's partition key from `undefined` and answers
// 500, which the SDK retries for about half a second before giving up.
function documentIsMissing(account, req, { dbId, collId, docId }) {
  const collection = account.database(dbId).collection(collId);
  const header = partitionHeader.default(req);
  if (!collection.read() || header === undefined) {
    return false; // upstream already answers these cases correctly
  }
  try {
    const partitionKey = partitionHeader.parsePartitionKey(header, docId);
    return !collection.document(docId, partitionKey).read();
  } catch (err) {
    return false; // a malformed header: leave the answer to upstream
  }
}

readDocument.default = (account, req, res, params) => {
  if (documentIsMissing(account, req, params)) {
    res.statusCode = 404;
    return {
      code: "NotFound",
      message: "Entity with the specified id does not exist in the system.",
    };
  }
  return originalReadDocument(account, req, res, params);
};

const { createHttpsServer } = require("@vercel/cosmosdb-server");

function portFromArguments(argv, env) {
  const index = argv.findIndex((arg) => arg === "--port" || arg.startsWith("--port="));
  let value = env.COSMOSDB_SERVER_PORT || "8081";
  if (index !== -1) {
    value = argv[index].includes("=") ? argv[index].split("=")[1] : argv[index + 1];
  }
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    console.error(`cosmosdb-server: ${JSON.stringify(value)} is not a port number`);
    process.exit(2);
  }
  return port;
}

const host = "127.0.0.1";
const port = portFromArguments(process.argv.slice(2), process.env);

// Without keepAlive the server closes every connection, and each call then pays
// for a new TLS handshake (about 23 ms instead of 1.5 ms).
const server = createHttpsServer({ keepAlive: true });

server.on("error", (err) => {
  console.error(`cosmosdb-server: ${err.message}`);
  process.exit(1);
});

server.listen(port, host, () => {
  console.log(`cosmosdb-server ready on https://${host}:${server.address().port}`);
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.close();
    process.exit(0);
  });
}
