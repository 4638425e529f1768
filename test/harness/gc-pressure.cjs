// Preload (`node --require`) that runs a full garbage collection every 20 ms, so tests can show that
// nothing the process relies on (timers, abort signals) is only weakly held.
const v8 = require('node:v8');
const vm = require('node:vm');
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
setInterval(() => gc(), 20).unref();
