#!/usr/bin/env node
// Local stand-in for Azure Cosmos DB: @vercel/cosmosdb-server over HTTPS on 127.0.0.1,
// with the fixes the project needs (missing items, nested partition keys,
// conditional patches, batch partition keys, partition key range names,
// keep-alive).
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

// Upstream's conditional patch has two bugs: it lower-cases the whole filter
// predicate, values and field names included, so `c["title"] = "Alpha"` never
// matches; and it tests the predicate against every document with the id, in
// any partition. This tests the predicate as written against the one document
// being patched, then lets upstream apply the operations.
const patchDocument = require("@vercel/cosmosdb-server/lib/handler/patch-document");
const { patchOperation } = require("@vercel/cosmosdb-server/lib/handler/_patch-operations");
const json = require("@vercel/cosmosdb-server/lib/json");

const PREDICATE_PREFIX = /^\s*from\s+c\s+where\s+/i;

function badRequest(message) {
  return { statusCode: 400, body: { code: "BadRequest", message } };
}

function conditionRefusal(collection, document, condition) {
  const prefix = PREDICATE_PREFIX.exec(condition);
  if (!prefix) {
    return badRequest("A patch condition reads 'FROM c WHERE <predicate>'.");
  }
  let matches;
  try {
    const query = collection.documents._getQuery(`SELECT * FROM c WHERE ${condition.slice(prefix[0].length)}`);
    matches = query.exec([document], { parameters: [] }).result;
  } catch (err) {
    return badRequest(`Invalid condition in patch request: ${err.message}`);
  }
  if (matches.length > 0) {
    return null;
  }
  return {
    statusCode: 412,
    body: { code: "PreconditionFailed", message: "Condition specified in the patch request is not satisfied." },
  };
}

patchDocument.default = async (account, req, res, { dbId, collId, docId }) => {
  const body = await json.default(req);
  const operations = Array.isArray(body) ? body : body && body.operations;
  if (!Array.isArray(operations)) {
    const refused = badRequest("Invalid patch request: check syntax of patch specification.");
    res.statusCode = refused.statusCode;
    return refused.body;
  }
  const collection = account.database(dbId).collection(collId);
  const partitionKey = partitionHeader.default(req);
  let result;
  if (!Array.isArray(body) && typeof body.condition === "string") {
    const document = collection.document(docId, partitionHeader.parsePartitionKey(partitionKey, docId)).read();
    // A missing document is left to upstream, which answers 404.
    result = document && conditionRefusal(collection, document, body.condition);
  }
  result = result || patchOperation(collection, { id: docId, partitionKey, ifMatch: req.headers["if-match"], operations });
  res.statusCode = result.statusCode;
  return result.body;
};

// A transactional batch carries its partition key in the request header, not in
// each operation, but upstream reads it from each operation: every read, replace,
// upsert and delete in a batch then fails to parse `undefined`. This copies the
// header into each operation as the body is read. Upstream still runs the
// operations one by one: a failing operation does not roll back the earlier ones.
const readJson = json.default;
json.default = async (req) => {
  const body = await readJson(req);
  if (Array.isArray(body) && String(req.headers["x-ms-cosmos-is-batch-request"]).toLowerCase() === "true") {
    const header = partitionHeader.default(req);
    for (const operation of body) {
      if (operation && typeof operation === "object" && operation.partitionKey === undefined) {
        operation.partitionKey = header;
      }
    }
  }
  return body;
};

// Upstream numbers its one partition key range 0; Cosmos DB names ranges with
// strings ("0"), and the SDK looks up the session token of a range by that name,
// so with a number it never finds the token its own writes left.
const readRanges = require("@vercel/cosmosdb-server/lib/handler/read-partition-key-ranges");
const originalReadRanges = readRanges.default;
readRanges.default = async (...args) => {
  const body = await originalReadRanges(...args);
  if (body && Array.isArray(body.PartitionKeyRanges)) {
    body.PartitionKeyRanges = body.PartitionKeyRanges.map((range) => ({ ...range, id: String(range.id) }));
  }
  return body;
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

// Tells a client it talks to this stand-in, so tests can expect its known gaps
// here and still run unchanged against Azure Cosmos DB or its emulator.
server.prependListener("request", (req, res) => {
  res.setHeader("x-polyglot-stand-in", "cosmosdb-server");
});

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
