// Last prelude file: hide the shared internals from user code.
(function () {
  "use strict";
  delete globalThis.__hoody._w;
})();
