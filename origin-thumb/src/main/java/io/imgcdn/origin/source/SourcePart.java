package io.imgcdn.origin.source;

/**
 * Part of an original as read from the bucket by a ranged GET: {@code body} holds its bytes from
 * {@code first} on.
 *
 * @param lastModified the object's Last-Modified in S3 as an HTTP-date, "" when S3 gave none
 * @param s3ETag the object's ETag as S3 sent it (quoted), "" when S3 gave none
 * @param total the whole object's length
 */
public record SourcePart(
    String contentType, String lastModified, String s3ETag, long first, long total, byte[] body) {

  /** Whether this part is the whole object. */
  public boolean whole() {
    return first == 0 && body.length == total;
  }
}
