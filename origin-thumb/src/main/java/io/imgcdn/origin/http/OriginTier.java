package io.imgcdn.origin.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.imgcdn.common.admin.AdminResponse;
import io.imgcdn.common.http.AcceptClass;
import io.imgcdn.common.http.ETags;
import io.imgcdn.common.http.FirstPart;
import io.imgcdn.common.http.HttpError;
import io.imgcdn.common.http.ImageObject;
import io.imgcdn.common.http.Reply;
import io.imgcdn.common.http.Response;
import io.imgcdn.common.http.Tier;
import io.imgcdn.common.upstream.Coalescer;
import io.imgcdn.common.upstream.Deadline;
import io.imgcdn.common.url.ImageUrl;
import io.imgcdn.common.url.UrlSigner;
import io.imgcdn.common.url.VariantRules;
import io.imgcdn.origin.options.OutputFormat;
import io.imgcdn.origin.options.VariantSpec;
import io.imgcdn.origin.processing.ImageEngine;
import io.imgcdn.origin.processing.ImageProcessingException;
import io.imgcdn.origin.processing.Placeholder;
import io.imgcdn.origin.processing.Thumbnail;
import io.imgcdn.origin.security.ImageLimits;
import io.imgcdn.origin.source.S3Source;
import io.imgcdn.origin.source.SourceObject;
import io.imgcdn.origin.source.SourcePart;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * What the origin does with a request: read the original from S3 (once for all concurrent variants
 * of it), then serve it unchanged or make the variant on the image pool.
 */
public final class OriginTier implements Tier {
  /*
   * Two layers of coalescing. originals: an in-flight map makes concurrent requests for one original share
   * one S3 GET, and a Caffeine cache bounded by bytes keeps recent originals for the next variants (pixiv
   * makes 20+ sizes of each picture). (Not a Caffeine AsyncCache: it logs every failed load, and a 404 is
   * an everyday answer here.) variants: an in-flight map keyed by the
   * variant's path, so N concurrent requests for one variant make one resize; the entry goes when the
   * resize ends (the shard tier is the cache for results).
   * Negotiation (docs/ORIGIN.md): a preset or /t/ spec with alternatives (WebP, AVIF) is reduced
   * per request to the alternatives its Accept names and the engine can write
   * (VariantSpec.forAccept); the engine renders the first candidate (AVIF, WebP, then the default;
   * WebP before AVIF for an animated source). The in-flight key is the path plus the reduced
   * candidate list, so requests that get the same answer share one resize and requests that get
   * different formats never do. Every answer of a negotiating spec says Vary: Accept, the
   * default-format fallback and 4xx answers included; nothing else does. With
   * refuseUnwritableFormat, a request that accepts an allowed format the engine cannot write (the
   * Java engine and WebP/AVIF) gets 406 instead of the default format. S3 I/O runs on the SDK's own
   * event loops; decoding and resizing on the bounded image pool, whose RejectedExecutionException
   * becomes 503 "resize queue full" (with Retry-After).
   * Time: a request's Deadline is the lower of its caller's X-Imgcdn-Deadline and origin.deadline; the
   * S3 GET gets what is left of it, the image job the lower of what is left and origin.job-timeout, and
   * a job that leaves the queue after that is not started. Coalesced requests share the first one's
   * S3 GET and job, with its deadline. Every 5xx names this node and what failed ("origin-1: S3
   * timeout after 5000 ms").
   */
  private final String nodeId;
  private final S3Source source;
  private final Cache<String, SourceObject> recentOriginals;
  private final Coalescer<SourceObject> originals = new Coalescer<>();
  private final Coalescer<ImageObject> variants = new Coalescer<>();
  private final Map<String, VariantSpec> presets;
  private final boolean refuseUnwritableFormat;
  private final Set<OutputFormat> writable;
  private final VariantRules rules;
  private final ImageEngine engine;
  private final ImageLimits limits;
  private final Duration jobTimeout;
  private final Duration requestLimit;
  private final String errorCacheControl;
  private final Executor imagePool;
  private final Timer s3Timer;
  private final Timer resizeTimer;

  public OriginTier(
      String nodeId,
      S3Source source,
      long originalsCacheBytes,
      Map<String, VariantSpec> presets,
      boolean refuseUnwritableFormat,
      @Nullable UrlSigner signer,
      ImageEngine engine,
      ImageLimits limits,
      Duration jobTimeout,
      Duration requestLimit,
      Duration errorMaxAge,
      Executor imagePool,
      MeterRegistry registry) {
    this.nodeId = nodeId;
    this.source = source;
    this.recentOriginals =
        Caffeine.newBuilder()
            .maximumWeight(originalsCacheBytes)
            .weigher((String k, SourceObject v) -> v.body().length)
            .build();
    this.presets = presets;
    this.refuseUnwritableFormat = refuseUnwritableFormat;
    this.writable = engine.writableFormats();
    this.rules = new VariantRules(signer, true, presets.keySet(), "origin.signing-key");
    this.engine = engine;
    this.limits = limits;
    this.jobTimeout = jobTimeout;
    this.requestLimit = requestLimit;
    this.errorCacheControl =
        errorMaxAge.isZero() || errorMaxAge.isNegative()
            ? "no-store"
            : "public, max-age=" + errorMaxAge.toSeconds();
    this.imagePool = imagePool;
    this.s3Timer =
        Timer.builder("imgcdn.origin.s3.fetch")
            .description("S3 GETs of originals")
            .register(registry);
    this.resizeTimer =
        Timer.builder("imgcdn.origin.resize")
            .description("Variant making, per engine")
            .tag("engine", engine.name())
            .register(registry);
  }

  @Override
  public CompletableFuture<? extends Response> handle(ImageUrl url, HttpHeaders requestHeaders) {
    Deadline deadline = Deadline.of(requestHeaders, requestLimit);
    CompletableFuture<Response> answer;
    try {
      answer = answer(url, requestHeaders, deadline);
    } catch (HttpError e) {
      answer = CompletableFuture.failedFuture(e);
    }
    return named(answer);
  }

  private CompletableFuture<Response> answer(
      ImageUrl url, HttpHeaders requestHeaders, Deadline deadline) {
    Instant jobDeadline = Instant.now().plus(min(jobTimeout, deadline.left()));
    return switch (url) {
      case ImageUrl.Original o -> {
        long firstPart = headerBytes(requestHeaders, FirstPart.BYTES);
        yield firstPart > 0 && !requestHeaders.contains(HttpHeaderNames.RANGE)
            ? firstPart(
                o.objectKey(),
                firstPart,
                Math.max(0, headerBytes(requestHeaders, FirstPart.WHOLE_UP_TO)),
                deadline)
            : passThrough(o.objectKey(), requestHeaders.get(HttpHeaderNames.RANGE), deadline);
      }
      case ImageUrl.Preset p when p.preset().equals(Placeholder.BLURHASH_PRESET) ->
          job(p.path(), p.objectKey(), deadline, src -> blurHash(src, jobDeadline))
              .thenApply(reply -> reply);
      case ImageUrl.Preset p -> {
        rules.check(p);
        VariantSpec spec =
            java.util.Objects.requireNonNull(presets.get(p.preset()), "a preset the rules know");
        yield variant(p.path(), p.objectKey(), spec, requestHeaders, deadline, jobDeadline);
      }
      case ImageUrl.Signed s -> {
        rules.check(s);
        VariantSpec spec;
        try {
          spec = VariantSpec.parse(s.options());
        } catch (IllegalArgumentException e) {
          throw HttpError.badRequest("bad options: " + e.getMessage());
        }
        yield variant(s.path(), s.objectKey(), spec, requestHeaders, deadline, jobDeadline);
      }
    };
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /**
   * A failed answer as this node's own: its 5xx name this node and their cause; a 4xx becomes this
   * node's error reply, which clients may keep for origin.error-max-age.
   */
  private CompletableFuture<Response> named(CompletableFuture<Response> answer) {
    if (answer.isDone() && !answer.isCompletedExceptionally()) {
      return answer;
    }
    return answer.exceptionally(
        failure -> {
          Throwable cause =
              failure instanceof CompletionException && failure.getCause() != null
                  ? failure.getCause()
                  : failure;
          if (cause instanceof HttpError error) {
            if (error.shouldReport()) {
              throw error.at(nodeId);
            }
            return errorReply(error.status(), error.publicMessage());
          }
          if (cause instanceof RejectedExecutionException) {
            throw new HttpError(HttpResponseStatus.SERVICE_UNAVAILABLE, "resize queue full", cause)
                .at(nodeId);
          }
          throw failure instanceof CompletionException c ? c : new CompletionException(failure);
        });
  }

  /**
   * The admin purge of originals ({@code POST /admin/purge?original=KEY}, repeatable): forgets the
   * recently read copy of each, so the next variant made from it reads S3 again (an original
   * replaced in S3 and purged from the caches must not be resized from the old bytes). The origin
   * keeps no variants, so there is no {@code ?path=} purge here.
   */
  public AdminResponse purgeOriginals(List<String> keys) {
    if (keys.isEmpty()) {
      return AdminResponse.text(400, "purge needs ?original=object/key (origins keep no variants)");
    }
    List<String> objectKeys = new ArrayList<>();
    try {
      for (String k : keys) {
        objectKeys.add(ImageUrl.parse("/" + k).objectKey());
      }
    } catch (HttpError e) {
      return AdminResponse.text(400, "purge: " + e.getMessage());
    }
    int forgotten = 0;
    for (String key : objectKeys) {
      forgotten += recentOriginals.asMap().remove(key) != null ? 1 : 0;
    }
    return AdminResponse.text(
        200, "purged " + forgotten + " of " + objectKeys.size() + " originals from memory");
  }

  private static long headerBytes(HttpHeaders headers, String name) {
    String value = headers.get(name);
    try {
      return value == null ? -1 : Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      throw HttpError.badRequest(name + ": '" + value + "' (expected: a number of bytes)");
    }
  }

  /**
   * A shard's first request ({@link FirstPart}): a ranged GET of the first part; an original over
   * origin.max-source-bytes is answered with it, a smaller one is read whole (the rest by a second
   * ranged GET) and answered whole, or by its first part when it is over {@code wholeUpTo}.
   */
  private CompletableFuture<Response> firstPart(
      String key, long partBytes, long wholeUpTo, Deadline deadline) {
    long bytes = Math.min(partBytes, MAX_PART_BYTES);
    SourceObject recent = recentOriginals.getIfPresent(key);
    if (recent != null) {
      return CompletableFuture.completedFuture(wholeOrFirstPart(recent, bytes, wholeUpTo));
    }
    long start = System.nanoTime();
    return source
        .fetchPart(key, 0, bytes - 1, deadline)
        .whenComplete((v, e) -> s3Timer.record(Duration.ofNanos(System.nanoTime() - start)))
        .thenCompose(
            part -> {
              if (part.total() > limits.maxSourceBytes()) {
                return CompletableFuture.completedFuture(
                    (Response) new PartResponse(part, partETag(part), nodeId + ";miss"));
              }
              return whole(key, part, deadline)
                  .thenApply(src -> wholeOrFirstPart(src, bytes, wholeUpTo));
            })
        .exceptionallyCompose(
            failure ->
                statusOf(failure) == 416 // an empty original has no first part
                    ? original(key, deadline).thenApply(this::whole)
                    : CompletableFuture.failedFuture(failure));
  }

  private Response wholeOrFirstPart(SourceObject src, long partBytes, long wholeUpTo) {
    int length = src.body().length;
    if (length <= wholeUpTo || length <= partBytes) {
      return whole(src);
    }
    SourcePart part =
        new SourcePart(
            src.contentType(),
            src.lastModified(),
            "",
            0,
            length,
            java.util.Arrays.copyOf(src.body(), (int) partBytes));
    return new PartResponse(part, src.etag(), nodeId + ";miss");
  }

  /** A small original whose first part is here, whole: as it is, or with the rest read. */
  private CompletableFuture<SourceObject> whole(String key, SourcePart part, Deadline deadline) {
    if (!part.whole()) {
      return rest(key, part, deadline);
    }
    SourceObject src =
        new SourceObject(
            key, part.contentType(), part.lastModified(), ETags.of(part.body()), part.body());
    recentOriginals.put(key, src);
    return CompletableFuture.completedFuture(src);
  }

  /**
   * An original as it is: whole (a Range of it answered by ObjectResponses), or, for a Range
   * request of an original not held in memory, by a ranged GET of that range: passed on as a 206
   * when the original is over origin.max-source-bytes, else read whole (once) and answered as a
   * whole original is.
   */
  private CompletableFuture<Response> passThrough(
      String key, @Nullable String rangeHeader, Deadline deadline) {
    long[] span = recentOriginals.getIfPresent(key) == null ? span(rangeHeader) : null;
    if (span == null) {
      return original(key, deadline).thenApply(this::whole);
    }
    long start = System.nanoTime();
    return source
        .fetchPart(key, span[0], Math.min(span[1], span[0] + MAX_PART_BYTES - 1), deadline)
        .whenComplete((v, e) -> s3Timer.record(Duration.ofNanos(System.nanoTime() - start)))
        .thenCompose(
            part -> {
              if (part.total() > limits.maxSourceBytes()) {
                return CompletableFuture.completedFuture(
                    (Response) new PartResponse(part, partETag(part), nodeId + ";miss"));
              }
              // A small original (whose ETag is its bytes' digest): read whole, kept for variants.
              return whole(key, part, deadline).thenApply(this::whole);
            })
        .exceptionallyCompose(
            failure ->
                // Beyond the end (an empty object too): the whole answer says 416 or 200 properly.
                statusOf(failure) == 416
                    ? original(key, deadline).thenApply(this::whole)
                    : CompletableFuture.failedFuture(failure));
  }

  /**
   * A small original whose first part is here: the rest of it by a second ranged GET (S3 sends each
   * byte once), shared with every request for it as {@link #original} is; read whole instead if the
   * object changed between the two.
   */
  private CompletableFuture<SourceObject> rest(String key, SourcePart first, Deadline deadline) {
    int have = first.body().length;
    if (first.first() != 0) {
      return original(key, deadline);
    }
    return originals
        .join(
            key,
            () ->
                source
                    .fetchPart(key, first.first() + have, first.total() - 1, deadline)
                    .thenCompose(
                        rest -> {
                          if (!rest.s3ETag().equals(first.s3ETag())
                              || rest.total() != first.total()
                              || have + rest.body().length != first.total()) {
                            return source.fetch(key, deadline);
                          }
                          byte[] all = java.util.Arrays.copyOf(first.body(), (int) first.total());
                          System.arraycopy(rest.body(), 0, all, have, rest.body().length);
                          return CompletableFuture.completedFuture(
                              new SourceObject(
                                  key,
                                  first.contentType(),
                                  first.lastModified(),
                                  ETags.of(all),
                                  all));
                        })
                    .whenComplete(
                        (v, e) -> {
                          if (v != null) {
                            recentOriginals.put(key, v);
                          }
                        }))
        .future();
  }

  /** The HTTP status of a failure that is an HttpError, else 0. */
  private static int statusOf(Throwable failure) {
    Throwable cause =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    return cause instanceof HttpError e ? e.status().code() : 0;
  }

  /**
   * The most one ranged GET reads, and so the longest 206 this origin sends of an original over
   * origin.max-source-bytes: a longer or open range ("bytes=0-") is answered with its first this
   * many bytes, and Content-Range says so (RFC 9110 section 14.4; media players ask on from there).
   */
  static final long MAX_PART_BYTES = 16L << 20;

  /**
   * The first and last byte a single "bytes=a-b" or "bytes=a-" range asks for, else null (no Range,
   * several ranges, a suffix range, or a malformed one: answered from the whole original).
   */
  static long @Nullable [] span(@Nullable String rangeHeader) {
    if (rangeHeader == null) {
      return null;
    }
    String h = rangeHeader.strip();
    if (!h.regionMatches(true, 0, "bytes=", 0, 6) || h.indexOf(',') >= 0) {
      return null;
    }
    String spec = h.substring(6).strip();
    int dash = spec.indexOf('-');
    if (dash <= 0) {
      return null;
    }
    try {
      long first = Long.parseLong(spec.substring(0, dash).strip());
      String b = spec.substring(dash + 1).strip();
      long last = b.isEmpty() ? Long.MAX_VALUE : Long.parseLong(b);
      return first < 0 || last < first ? null : new long[] {first, last};
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * The ETag of an original sent in parts: its bytes are never all here to digest, so it is made
   * from S3's ETag and the length, the same on every origin and after restarts, and new when the
   * object changes in S3.
   */
  static String partETag(SourcePart part) {
    return ETags.of(
        (part.s3ETag() + "/" + part.total()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private Response whole(SourceObject src) {
    return Reply.ok(
        new ImageObject(
            src.contentType(), src.etag(), src.lastModified(), ImageObject.IMMUTABLE, src.body()),
        nodeId + ";miss");
  }

  private CompletableFuture<SourceObject> original(String key, Deadline deadline) {
    SourceObject recent = recentOriginals.getIfPresent(key);
    if (recent != null) {
      return CompletableFuture.completedFuture(recent);
    }
    return originals
        .join(
            key,
            () -> {
              long start = System.nanoTime();
              return source
                  .fetch(key, deadline)
                  .whenComplete(
                      (v, e) -> {
                        s3Timer.record(Duration.ofNanos(System.nanoTime() - start));
                        if (v != null) {
                          recentOriginals.put(key, v);
                        }
                      });
            })
        .future();
  }

  private CompletableFuture<Response> variant(
      String path,
      String key,
      VariantSpec spec,
      HttpHeaders requestHeaders,
      Deadline deadline,
      Instant jobDeadline) {
    if (!spec.negotiates()) {
      return render(path, key, spec, deadline, jobDeadline).thenApply(reply -> reply);
    }
    AcceptClass accept = AcceptClass.of(requestHeaders.get(HttpHeaderNames.ACCEPT));
    VariantSpec reduced = spec.forAccept(accept, writable);
    if (refuseUnwritableFormat
        && !reduced.negotiates()
        && spec.forAccept(accept, ALL_FORMATS).negotiates()) {
      return CompletableFuture.completedFuture(
          new VaryAcceptResponse(
              errorReply(
                  HttpResponseStatus.NOT_ACCEPTABLE,
                  "Output format "
                      + spec.forAccept(accept, ALL_FORMATS).candidates().getFirst().token()
                      + " is not supported by engine "
                      + engine.name())));
    }
    // '\u0002' as in AcceptClass.key: the reduced candidate list ("webp:jpeg") names the
    // representation.
    return render(path + '\u0002' + reduced.formats(), key, reduced, deadline, jobDeadline)
        .handle(
            (reply, failure) -> {
              if (failure == null) {
                return new VaryAcceptResponse(reply);
              }
              Throwable cause =
                  failure instanceof CompletionException && failure.getCause() != null
                      ? failure.getCause()
                      : failure;
              if (cause instanceof HttpError error && !error.shouldReport()) {
                // A 4xx says Vary too (the contract: every answer of a negotiating variant); 5xx
                // and 503 go on to the
                // serving handler, which logs them and adds Retry-After.
                return new VaryAcceptResponse(errorReply(error.status(), error.publicMessage()));
              }
              throw failure instanceof CompletionException c ? c : new CompletionException(failure);
            });
  }

  /*
   * Error lifetimes: a 4xx is the answer to these bytes or this URL (a damaged source, an unknown
   * preset) and stays so until someone changes the original or the configuration, so a client may
   * keep it a short while (origin.error-max-age) rather than ask again at once; never immutable,
   * since a fixed original must show within that while. A 5xx is this node's trouble of the
   * moment: no-store. The shard and edge store only 200s (ShardTier, ShardFetch) and pass every
   * other status on as no-store (UpstreamResponse.toReply), so no tier keeps an error a year.
   */
  private Reply errorReply(HttpResponseStatus status, String message) {
    byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
    return new Reply(
        status,
        new ImageObject("text/plain; charset=utf-8", "", errorCacheControl, body),
        nodeId + ";error");
  }

  private static final Set<OutputFormat> ALL_FORMATS =
      Set.copyOf(EnumSet.allOf(OutputFormat.class));

  private CompletableFuture<Reply> render(
      String jobKey, String key, VariantSpec spec, Deadline deadline, Instant jobDeadline) {
    return job(jobKey, key, deadline, src -> render(src, spec, jobDeadline));
  }

  /** Makes something of an original on the image pool, once for all concurrent asks of jobKey. */
  private CompletableFuture<Reply> job(
      String jobKey, String key, Deadline deadline, Function<SourceObject, ImageObject> make) {
    Coalescer.Join<ImageObject> job =
        variants.join(jobKey, () -> original(key, deadline).thenApplyAsync(make, imagePool));
    String verdict = job.leader() ? ";miss" : ";coalesced";
    return job.future().thenApply(obj -> Reply.ok(obj, nodeId + verdict));
  }

  private ImageObject render(SourceObject src, VariantSpec spec, Instant deadline) {
    if (!Instant.now().isBefore(deadline)) {
      // Waited in the queue past the request's deadline: its caller has given up.
      throw new HttpError(HttpResponseStatus.GATEWAY_TIMEOUT, "deadline spent before the resize");
    }
    long start = System.nanoTime();
    try {
      Thumbnail t = engine.render(src.body(), spec, limits, deadline);
      // A variant changes when its original does: it carries the original's Last-Modified.
      return new ImageObject(
          t.format().contentType(),
          ETags.of(t.bytes()),
          src.lastModified(),
          ImageObject.IMMUTABLE,
          t.bytes());
    } catch (ImageProcessingException e) {
      throw new HttpError(HttpResponseStatus.valueOf(e.status()), e.publicMessage(), e);
    } finally {
      resizeTimer.record(Duration.ofNanos(System.nanoTime() - start));
    }
  }

  /**
   * The original's BlurHash as text/plain (docs/HTTP-API.md): immutable like a variant, with the
   * original's Last-Modified, so edge and shard keep it as they keep variants.
   */
  private ImageObject blurHash(SourceObject src, Instant deadline) {
    if (!Instant.now().isBefore(deadline)) {
      throw new HttpError(HttpResponseStatus.GATEWAY_TIMEOUT, "deadline spent before the resize");
    }
    long start = System.nanoTime();
    try {
      byte[] hash =
          Placeholder.blurHash(
                  engine,
                  src.body(),
                  limits,
                  deadline,
                  Placeholder.COMPONENTS_X,
                  Placeholder.COMPONENTS_Y)
              .getBytes(StandardCharsets.US_ASCII);
      return new ImageObject(
          "text/plain; charset=us-ascii",
          ETags.of(hash),
          src.lastModified(),
          ImageObject.IMMUTABLE,
          hash);
    } catch (ImageProcessingException e) {
      throw new HttpError(HttpResponseStatus.valueOf(e.status()), e.publicMessage(), e);
    } finally {
      resizeTimer.record(Duration.ofNanos(System.nanoTime() - start));
    }
  }
}
