package io.imgcdn.origin.source;

/**
 * An original as read from the bucket.
 *
 * @param lastModified the object's Last-Modified in S3 as an HTTP-date, "" when S3 gave none
 */
public record SourceObject(String key, String contentType, String lastModified, byte[] body) {}
