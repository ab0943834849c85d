// Fetching of the study's JSON files (relative to the site root), with caching.

const cache = new Map();

/** Fetch and parse a JSON file given by a path relative to the page. Cached per URL. */
export function loadJSON(path) {
  let url;
  try {
    url = new URL(path, document.baseURI);
  } catch {
    return Promise.reject(new Error(`${path}: not a valid URL`));
  }
  if (url.origin !== window.location.origin) {
    return Promise.reject(new Error(`${path}: refusing to load a file from another origin`));
  }
  const key = url.href;
  if (!cache.has(key)) {
    const promise = fetch(url)
      .catch((err) => {
        throw new Error(`${path}: could not be fetched (${err.message})`);
      })
      .then((response) => {
        if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${response.statusText}`.trim());
        return response.json().catch((err) => {
          throw new Error(`${path}: invalid JSON (${err.message})`);
        });
      });
    promise.catch(() => cache.delete(key)); // allow a retry later
    cache.set(key, promise);
  }
  return cache.get(key);
}

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
