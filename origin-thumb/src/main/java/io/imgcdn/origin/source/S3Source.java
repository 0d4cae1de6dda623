package io.imgcdn.origin.source;

import io.imgcdn.common.http.ETags;
import io.imgcdn.common.http.HttpDates;
import io.imgcdn.common.http.HttpError;
import io.imgcdn.common.upstream.Deadline;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.core.async.SdkPublisher;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Reads originals from one bucket (and key prefix) with the AWS SDK v2 async client; the only class
 * that talks to S3. Missing keys become 404, anything else from the store 502, a timeout 504, and
 * calls refused by the {@link S3Breaker} 503; every call is bounded by its request's {@link
 * Deadline}.
 */
public final class S3Source implements AutoCloseable {
  /*
   * Time: S3 may stay silent for `timeout`: until the response head of a GET (our timer, the SDK's
   * retries of 5xx and throttling included: it cancels the call) and between body bytes (the SDK's
   * read timeout). A body that keeps flowing is not cut by that timeout, only by the request's deadline,
   * which bounds the whole call: the caller waits for this tier's head, and the origin answers only
   * once it has the whole original. A call cut by its deadline before S3's own timeout is ABANDONED for
   * the breaker (the caller was in a hurry; S3 may be fine); S3's own timeouts count towards opening it.
   * A call whose head timer fires while the SDK is still retrying S3's error answers (503 SlowDown) is
   * reported as that answer, not as a timeout: S3 is slow to forgive, not hung (Answers sees every
   * answer, retried ones included).
   * Cancelling the SDK's future aborts its HTTP request and closes the connection.
   * Size: an original larger than maxBytes is refused from its Content-Length before its body is read,
   * so a 2 GB object cannot fill the heap. A part (fetchPart: a ranged GET, RFC 9110 section 14) is
   * bounded by the range the caller asks for, and refused when the object it is part of is larger than
   * maxObjectBytes (from S3's Content-Range).
   */
  private final S3AsyncClient client;
  private final String bucket;
  private final String prefix;
  private final long maxBytes;
  private final long maxObjectBytes;
  private final Duration timeout;
  private final S3Breaker breaker;
  private final ScheduledThreadPoolExecutor timers;

  /**
   * @param timeout how long S3 may stay silent: before its response head, retries included, and
   *     between body bytes
   */
  public S3Source(
      String endpoint,
      String region,
      String bucket,
      String prefix,
      String accessKey,
      String secretKey,
      boolean pathStyle,
      int maxConnections,
      Duration timeout,
      long maxBytes,
      long maxObjectBytes,
      S3Breaker breaker) {
    AwsCredentialsProvider credentials =
        accessKey.isEmpty()
            ? DefaultCredentialsProvider.builder().build()
            : StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey));
    var builder =
        S3AsyncClient.builder()
            .region(Region.of(region))
            .credentialsProvider(credentials)
            .forcePathStyle(pathStyle)
            .httpClientBuilder(
                NettyNioAsyncHttpClient.builder()
                    .maxConcurrency(maxConnections)
                    .connectionTimeout(Duration.ofSeconds(2))
                    .readTimeout(timeout))
            .overrideConfiguration(
                c -> c.retryStrategy(RetryMode.STANDARD).addExecutionInterceptor(new Answers()));
    if (!endpoint.isEmpty()) {
      builder.endpointOverride(URI.create(endpoint));
    }
    this.client = builder.build();
    this.bucket = bucket;
    this.prefix = prefix;
    this.maxBytes = maxBytes;
    this.maxObjectBytes = maxObjectBytes;
    this.timeout = timeout;
    this.breaker = breaker;
    this.timers =
        new ScheduledThreadPoolExecutor(
            1, Thread.ofPlatform().name("s3-timers").daemon(true).factory());
    timers.setRemoveOnCancelPolicy(true);
  }

  public String bucket() {
    return bucket;
  }

  public S3Breaker breaker() {
    return breaker;
  }

  /**
   * The original stored under {@code prefix + key}, with its Content-Type and Last-Modified, within
   * {@code deadline}.
   */
  public CompletableFuture<SourceObject> fetch(String key, Deadline deadline) {
    return call(key, null, maxBytes, deadline)
        .thenApply(
            bytes ->
                new SourceObject(
                    key, contentType(bytes), lastModified(bytes), bytes.etag(), bytes.body()));
  }

  /**
   * Bytes {@code first} to {@code last} (inclusive, clamped to the object's end) of the object
   * stored under {@code prefix + key}, by a ranged GET: never more of it. Fails with 416 when
   * {@code first} lies beyond the object's end (an empty object included), 422 when the object is
   * larger than maxObjectBytes.
   */
  public CompletableFuture<SourcePart> fetchPart(
      String key, long first, long last, Deadline deadline) {
    if (first < 0 || last < first) {
      throw new IllegalArgumentException("range " + first + "-" + last);
    }
    return call(key, "bytes=" + first + "-" + last, last - first + 1, deadline)
        .thenApply(
            bytes -> {
              GetObjectResponse r = bytes.response();
              long total = totalLength(r.contentRange(), bytes.body().length);
              return new SourcePart(
                  contentType(bytes),
                  lastModified(bytes),
                  r.eTag() == null ? "" : r.eTag(),
                  r.contentRange() == null ? 0 : first,
                  total,
                  bytes.body());
            });
  }

  /** The object's length from S3's Content-Range ("bytes 0-99/1234"), else the body's. */
  static long totalLength(@Nullable String contentRange, long bodyLength) {
    if (contentRange == null) {
      return bodyLength;
    }
    int slash = contentRange.lastIndexOf('/');
    if (slash < 0) {
      return bodyLength;
    }
    try {
      return Long.parseLong(contentRange.substring(slash + 1).strip());
    } catch (NumberFormatException e) {
      return bodyLength;
    }
  }

  private static String contentType(Received bytes) {
    String type = bytes.response().contentType();
    return type == null || type.isBlank() ? "application/octet-stream" : type;
  }

  private static String lastModified(Received bytes) {
    Instant lastModified = bytes.response().lastModified();
    return lastModified == null ? "" : HttpDates.format(lastModified.getEpochSecond());
  }

  private CompletableFuture<Received> call(
      String key, @Nullable String range, long maxBodyBytes, Deadline deadline) {
    if (deadline.spent()) {
      return CompletableFuture.failedFuture(
          new HttpError(
              HttpResponseStatus.GATEWAY_TIMEOUT,
              "deadline spent before S3 was asked (" + deadline.givenMillis() + " ms given)"));
    }
    S3Breaker.Permit permit = breaker.tryAcquire();
    if (permit == null) {
      return CompletableFuture.failedFuture(
          new HttpError(
              HttpResponseStatus.SERVICE_UNAVAILABLE,
              "S3 circuit open ("
                  + breaker.threshold()
                  + " S3 timeouts in a row), next try in "
                  + breaker.untilProbe().toMillis()
                  + " ms"));
    }
    return new Call(key, range, maxBodyBytes, deadline, permit).start();
  }

  /** One GET: the SDK's call, its two timers, and what its outcome tells the breaker. */
  private final class Call {
    private final String key;
    private final @Nullable String range;
    private final Deadline deadline;
    private final S3Breaker.Permit permit;
    private final Collector transformer;
    private final CompletableFuture<Received> result = new CompletableFuture<>();
    private final AtomicBoolean over = new AtomicBoolean();
    private final long startNanos = System.nanoTime();
    private volatile @Nullable CompletableFuture<Received> sdk;

    /** The status of S3's last answer to this call (an error the SDK retries), 0: none yet. */
    private volatile int lastStatus;

    private @Nullable ScheduledFuture<?> headTimer;
    private @Nullable ScheduledFuture<?> deadlineTimer;

    Call(
        String key,
        @Nullable String range,
        long maxBodyBytes,
        Deadline deadline,
        S3Breaker.Permit permit) {
      this.key = key;
      this.range = range;
      this.deadline = deadline;
      this.permit = permit;
      this.transformer = new Collector(maxBodyBytes, range == null ? maxBodyBytes : maxObjectBytes);
    }

    CompletableFuture<Received> start() {
      long left = deadline.nanosLeft();
      boolean s3First = timeout.toNanos() < left;
      synchronized (this) {
        headTimer =
            timers.schedule(
                () -> {
                  if (!transformer.responded()) {
                    timedOut(s3First);
                  }
                },
                Math.min(timeout.toNanos(), left),
                TimeUnit.NANOSECONDS);
        deadlineTimer = timers.schedule(() -> timedOut(false), left, TimeUnit.NANOSECONDS);
      }
      GetObjectRequest request =
          GetObjectRequest.builder()
              .bucket(bucket)
              .key(prefix + key)
              .range(range)
              .overrideConfiguration(o -> o.putExecutionAttribute(CALL, this))
              .build();
      CompletableFuture<Received> call;
      try {
        call = client.getObject(request, transformer);
      } catch (RuntimeException e) {
        end(S3Breaker.Outcome.ANSWERED, null, translate(e));
        return result;
      }
      sdk = call;
      if (over.get()) {
        call.cancel(true);
      }
      call.whenComplete(this::completed);
      return result;
    }

    /** A timer fired: S3's own timeout ({@code s3}) or the request's deadline. */
    private void timedOut(boolean s3) {
      long waited = (System.nanoTime() - startNanos) / 1_000_000;
      int answered = lastStatus;
      HttpError error;
      S3Breaker.Outcome outcome;
      if (!s3) {
        error =
            new HttpError(
                HttpResponseStatus.GATEWAY_TIMEOUT,
                "deadline spent waiting for S3 (" + waited + " ms)");
        outcome = S3Breaker.Outcome.ABANDONED;
      } else if (answered >= 400) {
        // S3 did answer, with errors the SDK kept retrying (503 SlowDown): not hung.
        error =
            new HttpError(
                HttpResponseStatus.BAD_GATEWAY,
                "S3 answered "
                    + answered
                    + ", still after "
                    + timeout.toMillis()
                    + " ms of retries");
        outcome = S3Breaker.Outcome.ANSWERED;
      } else {
        error =
            new HttpError(
                HttpResponseStatus.GATEWAY_TIMEOUT,
                "S3 timeout after " + timeout.toMillis() + " ms");
        outcome = S3Breaker.Outcome.TIMED_OUT;
      }
      if (end(outcome, null, error)) {
        CompletableFuture<?> call = sdk;
        if (call != null) {
          call.cancel(true); // aborts the request: its connection is closed, not left waiting
        }
      }
    }

    private void completed(@Nullable Received bytes, @Nullable Throwable failure) {
      if (failure == null && bytes != null) {
        end(S3Breaker.Outcome.ANSWERED, bytes, null);
        return;
      }
      HttpError error = translate(failure);
      end(
          error.status().code() == 504 ? S3Breaker.Outcome.TIMED_OUT : S3Breaker.Outcome.ANSWERED,
          null,
          error);
    }

    /** The first outcome wins: it goes to the breaker and the caller; later ones are dropped. */
    private boolean end(
        S3Breaker.Outcome outcome, @Nullable Received object, @Nullable HttpError error) {
      if (!over.compareAndSet(false, true)) {
        return false;
      }
      synchronized (this) {
        if (headTimer != null) {
          headTimer.cancel(false);
        }
        if (deadlineTimer != null) {
          deadlineTimer.cancel(false);
        }
      }
      breaker.record(permit, outcome);
      if (error != null) {
        result.completeExceptionally(error);
      } else {
        result.complete(object);
      }
      return true;
    }

    private HttpError translate(@Nullable Throwable failure) {
      Throwable cause =
          failure instanceof CompletionException && failure.getCause() != null
              ? failure.getCause()
              : failure;
      for (Throwable t = cause; t != null; t = t.getCause()) {
        if (t instanceof HttpError e) {
          return e; // our own refusal (e.g. over the size limit), possibly wrapped by the SDK
        }
        if (t instanceof io.netty.handler.timeout.TimeoutException
            || t instanceof ConnectTimeoutException
            || t instanceof java.util.concurrent.TimeoutException) {
          return new HttpError(
              HttpResponseStatus.GATEWAY_TIMEOUT,
              transformer.responded()
                  ? "S3 timeout: body stalled for " + timeout.toMillis() + " ms"
                  : "S3 timeout after " + timeout.toMillis() + " ms",
              cause);
        }
      }
      if (cause instanceof NoSuchKeyException
          || (cause instanceof S3Exception s3 && s3.statusCode() == 404)) {
        return HttpError.notFound("no such object: " + key);
      }
      if (cause instanceof S3Exception s3 && s3.statusCode() == 416) {
        return new HttpError(
            HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
            "range not satisfiable: " + range + " of " + key);
      }
      if (cause instanceof S3Exception s3
          && s3.statusCode() == 403
          && s3.awsErrorDetails() != null
          && "AccessDenied".equals(s3.awsErrorDetails().errorCode())) {
        // S3's answer for a missing key when the credentials may not list the bucket, or for an
        // object they may not read: the client's 403 (shards and edges remember it as a miss).
        // Other 403s (SignatureDoesNotMatch, InvalidAccessKeyId) are this origin's own
        // misconfiguration: 502 below.
        return new HttpError(HttpResponseStatus.FORBIDDEN, "S3 denied access to " + key);
      }
      if (cause instanceof S3Exception s3) {
        return new HttpError(
            HttpResponseStatus.BAD_GATEWAY, "S3 answered " + s3.statusCode(), cause);
      }
      return new HttpError(HttpResponseStatus.BAD_GATEWAY, "S3 request failed", cause);
    }
  }

  /** The call a request belongs to, for {@link Answers}. */
  private static final ExecutionAttribute<Call> CALL = new ExecutionAttribute<>("imgcdn.s3.call");

  /**
   * Tells each call about every answer S3 gives it, error answers the SDK retries included: a call
   * whose retries of S3's 503s outlast the timeout is not a hung S3.
   */
  private static final class Answers implements ExecutionInterceptor {
    @Override
    public void afterTransmission(
        Context.AfterTransmission context, ExecutionAttributes attributes) {
      Call call = attributes.getAttribute(CALL);
      if (call != null) {
        call.lastStatus = context.httpResponse().statusCode();
      }
    }
  }

  /** S3's answer: its head, the whole body and the body's ETag. */
  private record Received(GetObjectResponse response, byte[] body, String etag) {}

  /**
   * Collects a body into one array of its Content-Length as it arrives: one copy, no growing buffer
   * (the SDK's toBytes() grows one by doubling and copies it at the end, about 2.5 times the body
   * at its peak), and its ETag's digest with it (a 15 MB body's SHA-256 took 0.5 to 1.4 s on a busy
   * machine when made after the last byte, before the origin's answer could start). Refuses an
   * object over the limit from its Content-Length before its body is read. Says whether S3's
   * response head has come.
   */
  private static final class Collector
      implements AsyncResponseTransformer<GetObjectResponse, Received> {
    private final long maxBytes;
    private final long maxObjectBytes;
    private volatile CompletableFuture<Received> attempt = new CompletableFuture<>();
    private volatile @Nullable GetObjectResponse head;
    private volatile boolean refused;
    private volatile boolean responded;

    /**
     * @param maxBytes the most body bytes accepted
     * @param maxObjectBytes the largest object a part of it is accepted from (Content-Range)
     */
    Collector(long maxBytes, long maxObjectBytes) {
      this.maxBytes = maxBytes;
      this.maxObjectBytes = maxObjectBytes;
    }

    /** Whether S3's response head has come. */
    boolean responded() {
      return responded;
    }

    @Override
    public CompletableFuture<Received> prepare() {
      // Once per attempt: the SDK prepares again before it retries.
      attempt = new CompletableFuture<>();
      refused = false;
      return attempt;
    }

    @Override
    public void onResponse(GetObjectResponse response) {
      responded = true;
      head = response;
      Long announced = response.contentLength();
      long length = announced == null ? 0 : announced;
      long total = totalLength(response.contentRange(), length);
      if (length > maxBytes || total > maxObjectBytes) {
        refused = true;
        long limit = total > maxObjectBytes ? maxObjectBytes : maxBytes;
        attempt.completeExceptionally(
            new HttpError(
                HttpResponseStatus.valueOf(422),
                "original is " + Math.max(total, length) + " bytes (limit " + limit + ")"));
      }
    }

    @Override
    public void onStream(SdkPublisher<ByteBuffer> publisher) {
      GetObjectResponse response = head;
      Long length = response == null ? null : response.contentLength();
      publisher.subscribe(
          new BodySink(refused ? null : response, length != null ? length : -1, maxBytes, attempt));
    }

    @Override
    public void exceptionOccurred(Throwable error) {
      attempt.completeExceptionally(error);
    }
  }

  /**
   * Receives one body: into an array of its announced length, or growing up to the limit when S3
   * announced none; null response: cancels at once.
   */
  private static final class BodySink implements Subscriber<ByteBuffer> {
    private final @Nullable GetObjectResponse response;
    private final long announced;
    private final long limit;
    private final CompletableFuture<Received> result;
    private @Nullable Subscription subscription;
    private final MessageDigest sha256 = ETags.digest();
    private byte[] body = new byte[0];
    private int filled;
    private boolean over;

    BodySink(
        @Nullable GetObjectResponse response,
        long announced,
        long limit,
        CompletableFuture<Received> result) {
      this.response = response;
      this.announced = announced;
      this.limit = limit;
      this.result = result;
    }

    @Override
    public void onSubscribe(Subscription s) {
      subscription = s;
      if (response == null) {
        over = true;
        s.cancel();
        return;
      }
      body = new byte[announced >= 0 ? (int) announced : 64 * 1024];
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(ByteBuffer piece) {
      if (over) {
        return;
      }
      int n = piece.remaining();
      if (filled + (long) n > body.length) {
        long needed = filled + (long) n;
        if (announced >= 0 || needed > limit) {
          over = true;
          Objects.requireNonNull(subscription).cancel();
          result.completeExceptionally(
              announced >= 0
                  ? new IOException("S3 sent more than its Content-Length of " + announced)
                  : new HttpError(
                      HttpResponseStatus.valueOf(422),
                      "original is over the limit of " + limit + " bytes"));
          return;
        }
        body = Arrays.copyOf(body, (int) Math.min(limit, Math.max(needed, 2L * body.length)));
      }
      sha256.update(piece.duplicate());
      piece.get(body, filled, n);
      filled += n;
    }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      if (over) {
        return;
      }
      if (announced >= 0 && filled != announced) {
        result.completeExceptionally(
            new IOException("S3 body ended at " + filled + " of " + announced + " bytes"));
      } else if (response != null) {
        result.complete(
            new Received(
                response,
                filled == body.length ? body : Arrays.copyOf(body, filled),
                ETags.of(sha256)));
      }
    }
  }

  @Override
  public void close() {
    client.close();
    timers.shutdownNow();
  }
}
