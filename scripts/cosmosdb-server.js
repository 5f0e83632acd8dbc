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
const getValue = require("@vercel/cosmosdb-server/lib/utils/get-value").default;

const originalReadDocument = readDocument.default;

// Upstream's read of one document has two bugs: a missing document answers 500
// (it reads the partition key of `undefined`), which the SDK retries for about
// half a second; and a container partitioned by a nested path such as
// /owner/id answers 404 for every document (it looks up data["owner/id"]).
// This finds the document the same way and checks its key along the full path.
// It returns undefined for the cases upstream already answers correctly.
function findDocument(account, req, { dbId, collId, docId }) {
  const collection = account.database(dbId).collection(collId);
  const properties = collection.read();
  const header = partitionHeader.default(req);
  const paths = ((properties && properties.partitionKey) || {}).paths || [];
  if (!properties || header === undefined || paths.length !== 1) {
    return undefined;
  }
  let partitionKey;
  try {
    partitionKey = partitionHeader.parsePartitionKey(header, docId);
  } catch (err) {
    return undefined; // a malformed header: upstream answers it
  }
  const data = collection.document(docId, partitionKey).read();
  const keyPath = paths[0].slice(1).split("/");
  if (!data || data.id !== docId || getValue(keyPath, data) !== partitionKey) {
    return null;
  }
  return data;
}

readDocument.default = (account, req, res, params) => {
  const data = findDocument(account, req, params);
  if (data === undefined) {
    return originalReadDocument(account, req, res, params);
  }
  if (data === null) {
    res.statusCode = 404;
    return {
      code: "NotFound",
      message: "Entity with the specified id does not exist in the system.",
    };
  }
  res.statusCode = 200;
  return data;
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
