// Fetching of the study's JSON files (relative to the site root), with caching.

const cache = new Map();

/** Resolve a site-relative path, refusing other origins. */
function siteURL(path) {
  let url;
  try {
    url = new URL(path, document.baseURI);
  } catch {
    throw new Error(`${path}: not a valid URL`);
  }
  if (url.origin !== window.location.origin) throw new Error(`${path}: refusing to load a file from another origin`);
  return url;
}

/** Fetch `path` once and decode the response with `decode(response)`; failed loads may be retried. */
function cachedFetch(path, decode) {
  let url;
  try {
    url = siteURL(path);
  } catch (err) {
    return Promise.reject(err);
  }
  const key = url.href;
  if (!cache.has(key)) {
    const promise = fetch(url)
      .catch((err) => {
        throw new Error(`${path}: could not be fetched (${err.message})`);
      })
      .then((response) => {
        if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${response.statusText}`.trim());
        return decode(response).catch((err) => {
          throw new Error(`${path}: could not be read (${err.message})`);
        });
      });
    promise.catch(() => cache.delete(key)); // allow a retry later
    cache.set(key, promise);
  }
  return cache.get(key);
}

/** Fetch and parse a JSON file given by a path relative to the page. Cached per URL. */
export const loadJSON = (path) => cachedFetch(path, (response) => response.json());

/** Fetch a binary file as an ArrayBuffer. Cached per URL. */
export const loadBinary = (path) => cachedFetch(path, (response) => response.arrayBuffer());

/** Throw a descriptive error unless the study has the fields the page relies on. */
export function checkStudy(study) {
  const problems = [];
  if (!study || typeof study !== 'object') problems.push('not a JSON object');
  else {
    if (!Array.isArray(study.layers) || study.layers.length === 0) problems.push('"layers" is missing or empty');
    if (!Array.isArray(study.classes) || study.classes.length === 0) problems.push('"classes" is missing or empty');
    if (!study.embedding || typeof study.embedding !== 'object') problems.push('"embedding" is missing');
  }
  if (problems.length) throw new Error(`data/study.json: ${problems.join('; ')}`);
  return study;
}
