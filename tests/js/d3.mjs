// The vendored D3 (site/vendor/d3.min.js, a UMD bundle) as the global `d3` the site's
// modules expect, as the page's <script> tag provides it.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
globalThis.d3 ??= require('../../site/vendor/d3.min.js');
export default globalThis.d3;
