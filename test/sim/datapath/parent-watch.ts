// Preloaded (node --import) into every Node.js "container" process the data path starts: the process exits
// when its parent (the simulated node, test/sim/apiserver.ts) is gone, even if that parent was SIGKILLed and
// could not stop its children. Nothing else in the child is touched.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 500).unref();
