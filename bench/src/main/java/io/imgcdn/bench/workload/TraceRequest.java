package io.imgcdn.bench.workload;

/**
 * One request of a trace: the URL path as the CDN serves it and the size of the object it names.
 *
 * @param path {@code /{key}} for an original, {@code /v/{preset}/{key}} for a variant
 * @param size the object's size in bytes (for variants: the workload model's size)
 */
public record TraceRequest(String path, long size) {
  public TraceRequest {
    if (path.isEmpty()
        || path.charAt(0) != '/'
        || path.indexOf(' ') >= 0
        || path.indexOf('\n') >= 0) {
      throw new IllegalArgumentException(
          "path: '" + path + "' (expected: starts with / and has no blank)");
    }
    if (size < 0) {
      throw new IllegalArgumentException("size of " + path + ": " + size + " (expected: >= 0)");
    }
  }
}
