// Loaded first into the Azurite that the tests and benchmarks start (node --require): ends it when the process
// that started it is gone. That process holds the other end of this one's stdin, and the end closes however it
// exits, so an Azurite outlives no test run, even one whose exit handlers never ran.
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
