// Finding 6: unmap's error goes through a factory that calls back into the registry.
const { a } = require('./addon.cjs');

const r = a.allocAnonymous(4096);
let factoryRan = false;
a.setErrorFactory((code, message) => {
  factoryRan = true;
  try {
    a.attach(r.address, 1);
  } catch {
    // its outcome does not matter: the call re-enters the registry from the factory, which deadlocked while unmap held the lock
  }
  return Object.assign(new Error(message), { code });
});
let code;
try {
  a.unmap(123456789);
} catch (e) {
  code = e.code;
}
console.log(JSON.stringify({ code, factoryRan }));
