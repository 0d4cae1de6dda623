package io.imgcdn.origin.source;

import io.imgcdn.common.http.HttpDates;
import io.imgcdn.common.http.HttpError;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.core.async.SdkPublisher;
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
 * that talks to S3. Missing keys become 404, anything else from the store 502, a timeout 504.
 */
public final class S3Source implements AutoCloseable {
  /*
   * The SDK's standard retry mode retries 5xx and throttling with backoff and never 4xx. The whole call,
   * retries included, is bounded by apiCallTimeout. An original larger than maxBytes is refused from
   * its Content-Length before its body is read, so a 2 GB object cannot fill the heap.
   */
  private final S3AsyncClient client;
  private final String bucket;
  private final String prefix;
  private final long maxBytes;

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
      long maxBytes) {
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
                c -> c.apiCallTimeout(timeout).retryStrategy(RetryMode.STANDARD));
    if (!endpoint.isEmpty()) {
      builder.endpointOverride(URI.create(endpoint));
    }
    this.client = builder.build();
    this.bucket = bucket;
    this.prefix = prefix;
    this.maxBytes = maxBytes;
  }

  public String bucket() {
    return bucket;
  }

  /** The original stored under {@code prefix + key}, with its Content-Type and Last-Modified. */
  public CompletableFuture<SourceObject> fetch(String key) {
    GetObjectRequest request = GetObjectRequest.builder().bucket(bucket).key(prefix + key).build();
    return client
        .getObject(request, new Bounded(maxBytes))
        .handle(
            (bytes, failure) -> {
              if (failure != null) {
                throw translate(key, failure);
              }
              String type = bytes.response().contentType();
              Instant lastModified = bytes.response().lastModified();
              return new SourceObject(
                  key,
                  type == null || type.isBlank() ? "application/octet-stream" : type,
                  lastModified == null ? "" : HttpDates.format(lastModified.getEpochSecond()),
                  bytes.asByteArrayUnsafe());
            });
  }

  private static RuntimeException translate(String key, Throwable failure) {
    Throwable cause =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof HttpError e) {
        return e; // our own refusal (e.g. over the size limit), possibly wrapped by the SDK
      }
    }
    if (cause instanceof NoSuchKeyException
        || (cause instanceof S3Exception s3 && s3.statusCode() == 404)) {
      return HttpError.notFound("no such object: " + key);
    }
    if (cause instanceof software.amazon.awssdk.core.exception.ApiCallTimeoutException) {
      return new HttpError(
          HttpResponseStatus.GATEWAY_TIMEOUT, "storage did not answer in time", cause);
    }
    return new HttpError(HttpResponseStatus.BAD_GATEWAY, "storage error", cause);
  }

  /**
   * Collects the body like toBytes(), but refuses an object over the limit from its Content-Length.
   */
  private static final class Bounded
      implements AsyncResponseTransformer<GetObjectResponse, ResponseBytes<GetObjectResponse>> {
    private final AsyncResponseTransformer<GetObjectResponse, ResponseBytes<GetObjectResponse>>
        delegate = AsyncResponseTransformer.toBytes();
    private final long maxBytes;
    private final CompletableFuture<ResponseBytes<GetObjectResponse>> result =
        new CompletableFuture<>();
    private volatile boolean refused;

    Bounded(long maxBytes) {
      this.maxBytes = maxBytes;
    }

    @Override
    public CompletableFuture<ResponseBytes<GetObjectResponse>> prepare() {
      delegate
          .prepare()
          .whenComplete(
              (bytes, failure) -> {
                if (failure != null) {
                  result.completeExceptionally(failure);
                } else {
                  result.complete(bytes);
                }
              });
      return result;
    }

    @Override
    public void onResponse(GetObjectResponse response) {
      Long length = response.contentLength();
      if (length != null && length > maxBytes) {
        refused = true;
        result.completeExceptionally(
            new HttpError(
                HttpResponseStatus.valueOf(422),
                "original is " + length + " bytes (limit " + maxBytes + ")"));
        return;
      }
      delegate.onResponse(response);
    }

    @Override
    public void onStream(SdkPublisher<java.nio.ByteBuffer> publisher) {
      if (refused) {
        // Do not read the body: cancel the stream so the connection is dropped, not drained.
        publisher.subscribe(
            new org.reactivestreams.Subscriber<java.nio.ByteBuffer>() {
              @Override
              public void onSubscribe(org.reactivestreams.Subscription s) {
                s.cancel();
              }

              @Override
              public void onNext(java.nio.ByteBuffer b) {}

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onComplete() {}
            });
        return;
      }
      delegate.onStream(publisher);
    }

    @Override
    public void exceptionOccurred(Throwable error) {
      delegate.exceptionOccurred(error);
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
