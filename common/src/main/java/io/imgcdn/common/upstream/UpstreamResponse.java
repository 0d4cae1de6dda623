package io.imgcdn.common.upstream;

import io.netty.handler.codec.http.HttpHeaders;

/** A complete response from the next tier: status, headers and the whole body. */
public record UpstreamResponse(int status, HttpHeaders headers, byte[] body) {}
