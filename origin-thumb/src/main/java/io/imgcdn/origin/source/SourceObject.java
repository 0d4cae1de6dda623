package io.imgcdn.origin.source;

/** An original as read from the bucket. */
public record SourceObject(String key, String contentType, byte[] body) {}
