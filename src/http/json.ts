// JSON for HTTP answers with <, >, &, U+2028 and U+2029 written as \u escapes: whatever a request
// put into a message or a value, a JSON answer opened in a browser cannot become markup
// (ADR 0002's "no unescaped echo"; the BILLmanager writer does the same).
export function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
}
