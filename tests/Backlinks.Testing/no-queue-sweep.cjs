// Loaded into the Azurite that the tests and benchmarks start (node --require), before Azurite itself. Azurite sweeps
// its queue store every 60 s for message bodies no message refers to any more, deleting them one by one from an
// unindexed collection: in a test run that has consumed thousands of messages, that one synchronous pass blocked
// every request for 7 s. A run is over long before the memory it frees matters, so the first sweep (at start, with
// nothing to do) is the only one. Nothing a client sees depends on the sweep.
const path = require("path");

const constants = require(path.join(__dirname, "..", "..", "node_modules", "azurite", "dist", "src", "queue", "utils", "constants.js"));
if (typeof constants.DEFAULT_GC_INTERVAL_MS !== "number") {
  // A newer Azurite moved the setting: fail at start rather than let the sweep come back unnoticed.
  throw new Error("no-queue-sweep.cjs: Azurite's queue DEFAULT_GC_INTERVAL_MS is gone; update this preload.");
}
// A day: setTimeout takes at most 2^31-1 ms and fires at once above that.
constants.DEFAULT_GC_INTERVAL_MS = 24 * 60 * 60 * 1000;
