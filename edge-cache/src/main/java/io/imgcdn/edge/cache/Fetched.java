package io.imgcdn.edge.cache;

import io.imgcdn.common.http.Reply;

/**
 * What a fetch from the shard tier produced: the reply (a 200 with its object, or an error passed on) whose
 * X-Cache chain is that of the upstream tiers. Only 200s stay in the cache.
 */
public record Fetched(Reply reply) {
  /** Bytes charged to the cache: the body plus a rough per-entry overhead (key, headers, record). */
  public int weight() {
    return reply.object().length() + 256;
  }
}
