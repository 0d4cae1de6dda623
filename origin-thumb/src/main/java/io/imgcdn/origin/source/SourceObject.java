package io.imgcdn.origin.source;

/**
 * An original as read from the bucket.
 *
 * @param lastModified the object's Last-Modified in S3 as an HTTP-date, "" when S3 gave none
 * @param etag the body's strong ETag (ETags), computed as the body arrived
 */
public record SourceObject(
    String key, String contentType, String lastModified, String etag, byte[] body) {}
