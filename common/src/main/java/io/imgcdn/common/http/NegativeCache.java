package io.imgcdn.common.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.imgcdn.common.config.Settings;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A tier's memory of recent "no such object" answers (404, 403 from S3 as the origin reports them),
 * so a flood of requests for missing keys costs S3 one GET per key per TTL, not one per request.
 * Kept apart from the object cache, in an area of its own bounded by bytes.
 */
public final class NegativeCache {
  /*
   * Why an area of its own: a flood of random names is cheap to send, and every one of them would be a
   * new entry. Counted against the object cache, they would evict real objects (a 60 s negative is worth
   * less than any picture a second visitor asks for); here they can only evict each other, and Caffeine's
   * W-TinyLFU keeps the negatives asked for again over a scan of one-off names. The bound is in bytes
   * (key, message and a fixed overhead per entry), so long keys cannot stretch it.
   * Time: each entry lives for the TTL it was stored with (per entry: the edge keeps one no longer than
   * its shard's max-age says), and every answer from it says "max-age" of what is left, rounded down,
   * so a browser or an outer cache never keeps it longer than this tier does (RFC 9111 section 5.2.2.1).
   * Purges remove entries like any key; Accept does not matter (a missing original is missing in every
   * format), so a path has one entry whatever the class.
   */

  /**
   * Bytes counted per entry besides its key and body: the entry, its node in the map, the strings.
   */
  static final int ENTRY_OVERHEAD = 96;

  /**
   * The settings of one tier's negative cache: {@code PREFIX.negative-ttl}, {@code ...-max-bytes}.
   */
  public record Options(Duration ttl, long maxBytes) {
    /** Off: nothing is kept. */
    public static final Options OFF = new Options(Duration.ZERO, 0);

    public boolean enabled() {
      return !ttl.isZero() && maxBytes > 0;
    }

    /**
     * {@code prefix + "negative-ttl"} (default 60s; 0 or off: none kept) and {@code prefix +
     * "negative-max-bytes"} (default 16m).
     */
    public static Options from(Settings s, String prefix) {
      String key = prefix + "negative-ttl";
      String raw = s.string(key, "60s").strip();
      Duration ttl;
      if (raw.equals("0") || raw.equalsIgnoreCase("off")) {
        ttl = Duration.ZERO;
      } else {
        ttl = s.duration(key, "60s");
        if (ttl.compareTo(Duration.ofDays(1)) > 0) {
          s.problem(key, raw + " (expected: at most 1d; a missing key may be uploaded any time)");
          ttl = Duration.ofSeconds(60);
        }
      }
      return new Options(ttl, s.bytes(prefix + "negative-max-bytes", "16m", 0));
    }
  }

  /** Whether answers with this status are remembered: 404 and 403, nothing else. */
  public static boolean negative(int status) {
    return status == 404 || status == 403;
  }

  private record Entry(HttpResponseStatus status, String contentType, byte[] body, long expires) {}

  private final Options options;
  private final LongSupplier clock;
  private final Cache<String, Entry> entries;
  private final LongAdder hits = new LongAdder();
  private final LongAdder stored = new LongAdder();

  public NegativeCache(Options options) {
    this(options, System::nanoTime);
  }

  NegativeCache(Options options, LongSupplier nanoClock) {
    this.options = options;
    this.clock = nanoClock;
    this.entries =
        Caffeine.newBuilder()
            .maximumWeight(Math.max(0, options.maxBytes()))
            .weigher((String k, Entry e) -> ENTRY_OVERHEAD + 2 * k.length() + e.body().length)
            .expireAfter(
                Expiry.<String, Entry>writing(
                    (k, e) -> Duration.ofNanos(Math.max(0, e.expires() - clock.getAsLong()))))
            .ticker(clock::getAsLong)
            .executor(Runnable::run)
            .build();
  }

  public Options options() {
    return options;
  }

  /**
   * Remembers {@code reply} (a 404 or 403) under {@code key} for {@code ttl} (capped by this
   * cache's own), and returns it as it is to be sent now: with Cache-Control saying how long it
   * lasts. Returns {@code reply} unchanged when it is not negative or nothing is to be kept.
   */
  public Reply remember(String key, Reply reply, Duration ttl) {
    if (!negative(reply.status().code()) || !options.enabled()) {
      return reply;
    }
    Duration keep = ttl.compareTo(options.ttl()) < 0 ? ttl : options.ttl();
    if (keep.toSeconds() <= 0) {
      return reply;
    }
    ImageObject o = reply.object();
    Entry entry =
        new Entry(reply.status(), o.contentType(), o.body(), clock.getAsLong() + keep.toNanos());
    if (entries.asMap().put(key, entry) == null) {
      stored.increment(); // not again for each waiter of one fetch storing the same answer
    }
    return answer(reply.status(), o.contentType(), o.body(), keep.toSeconds(), reply.xCache());
  }

  /** {@link #remember} for the tier's own TTL. */
  public Reply remember(String key, Reply reply) {
    return remember(key, reply, options.ttl());
  }

  /** The remembered answer for {@code key} with X-Cache {@code chain}, or null. */
  public @Nullable Reply lookup(String key, String chain) {
    if (!options.enabled()) {
      return null;
    }
    Entry e = entries.getIfPresent(key);
    if (e == null) {
      return null;
    }
    long left = e.expires() - clock.getAsLong();
    if (left <= 0) {
      return null;
    }
    hits.increment();
    return answer(e.status(), e.contentType(), e.body(), left / 1_000_000_000L, chain);
  }

  private static Reply answer(
      HttpResponseStatus status, String contentType, byte[] body, long seconds, String chain) {
    return new Reply(status, new ImageObject(contentType, "", cacheControl(seconds), body), chain);
  }

  /** What a negative answer says about its lifetime: public (any cache may keep it), so long. */
  public static String cacheControl(long seconds) {
    return "public, max-age=" + seconds;
  }

  /**
   * The max-age of a Cache-Control value in seconds, or -1 when it has none, or says no-store or
   * no-cache (then nothing may be kept).
   */
  public static long maxAge(@Nullable String cacheControl) {
    if (cacheControl == null) {
      return -1;
    }
    long maxAge = -1;
    for (String directive : cacheControl.split(",")) {
      String d = directive.strip().toLowerCase(Locale.ROOT);
      if (d.equals("no-store") || d.equals("no-cache") || d.equals("private")) {
        return -1;
      }
      if (d.startsWith("max-age=")) {
        try {
          maxAge = Long.parseLong(d.substring("max-age=".length()).replace("\"", ""));
        } catch (NumberFormatException e) {
          return -1;
        }
      }
    }
    return maxAge;
  }

  /** Forgets one key; whether it was there. */
  public boolean remove(String key) {
    return entries.asMap().remove(key) != null;
  }

  /** Forgets every key that matches; how many. O(entries), for purges. */
  public int removeIf(Predicate<String> key) {
    int[] removed = {0};
    entries
        .asMap()
        .keySet()
        .removeIf(
            k -> {
              boolean match = key.test(k);
              removed[0] += match ? 1 : 0;
              return match;
            });
    return removed[0];
  }

  /** Entries held now (expired ones may count until they are cleaned up). */
  public long size() {
    entries.cleanUp();
    return entries.estimatedSize();
  }

  /** Bytes held now, as weighed against {@code maxBytes}. */
  public long weight() {
    return entries.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
  }

  /** Publishes imgcdn_negative_* meters: hits, stored answers, entries and bytes held. */
  public NegativeCache bindMetrics(MeterRegistry registry) {
    FunctionCounter.builder("imgcdn.negative.hits", hits, LongAdder::sum)
        .description("Requests answered from the negative cache (a 404/403 remembered)")
        .register(registry);
    FunctionCounter.builder("imgcdn.negative.stored", stored, LongAdder::sum)
        .description("404/403 answers stored in the negative cache")
        .register(registry);
    Gauge.builder("imgcdn.negative.entries", this, NegativeCache::size)
        .description("404/403 answers remembered now")
        .register(registry);
    Gauge.builder("imgcdn.negative.bytes", this, NegativeCache::weight)
        .description("Bytes the negative cache holds (bound: *.negative-max-bytes)")
        .baseUnit("bytes")
        .register(registry);
    return this;
  }
}
