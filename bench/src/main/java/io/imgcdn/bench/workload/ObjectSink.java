package io.imgcdn.bench.workload;

import java.io.IOException;

/**
 * Where an uploader puts the originals of a workload: an S3 bucket, a local folder, anything with
 * keys. Implementations must accept calls from several threads at once.
 */
@FunctionalInterface
public interface ObjectSink {

  /**
   * Stores {@code body} under {@code key}, replacing what was there.
   *
   * @param key the object key, e.g. {@code img/000042.jpg} (no leading slash)
   * @param body the object's bytes; the sink must not modify them
   * @param contentType the MIME type, e.g. {@code image/jpeg}
   */
  void put(String key, byte[] body, String contentType) throws IOException;
}
