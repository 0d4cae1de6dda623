package io.imgcdn.s3embedded;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.model.BucketCannedACL;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * An S3-protocol server running inside this JVM on 127.0.0.1, serving one bucket whose objects live
 * as plain files under a data directory, so they survive a restart. Used by {@code ./imgcdn demo}
 * and by the tests of the other modules.
 *
 * {@snippet :
 * try (EmbeddedS3 s3 = EmbeddedS3.start(dir, 0, "images", "demo-access", "demo-secret")) {
 *   s3.put("cat.jpg", bytes, "image/jpeg");
 *   URI endpoint = s3.endpoint(); // http://127.0.0.1:<port>, path-style, region us-east-1
 * }
 * }
 */
public final class EmbeddedS3 implements AutoCloseable {

  /*
   * How: S3Proxy [1] 4.x is an S3 front end (Jetty, shaded into its jar) over a pluggable BlobStore. Since
   * 4.0 it no longer uses Apache jclouds: its BlobStore interface speaks AWS SDK v2 model types, and its
   * "filesystem" provider (jclouds.provider=filesystem in its properties) is FilesystemNio2BlobStore, which
   * stores bucket B, key K as the file <dataDirectory>/B/K. We build that store ourselves rather than via
   * BlobStores.create(Properties) so there is no string-typed configuration to get wrong. Metadata
   * (Content-Type, MD5, user metadata) lives in user extended attributes of that file (user.user.content-type):
   * on a file system without user xattrs (old tmpfs, some overlay mounts) objects keep their bytes but lose
   * their Content-Type.
   *
   * Why in-process: the demo and the end-to-end tests need a real S3 wire protocol (SigV4 auth, XML errors,
   * ETags) without Docker or a second JVM. Seeding goes straight into the BlobStore (put), skipping HTTP.
   *
   * Authentication: AWS_V2_OR_V4 accepts both signature versions with one static key pair; a request signed
   * with any other secret gets 403 SignatureDoesNotMatch. S3Proxy checks the signature with the region named
   * in the request's credential scope, so the region is only a convention: we say us-east-1 everywhere.
   * An unsigned request is served only if the bucket or object is public, and the file-system store reads
   * "public" from the POSIX bits: a world-readable directory is a public-read bucket, a world-readable file a
   * public-read object: files copied into the data directory under umask 022, a directory left by an older
   * store, an upload with --acl public-read. PrivateBlobStore answers "private" for every bucket and object
   * instead, so every request must be signed (AWS V2 or V4, in a header or the query).
   *
   * Start-up: Jetty's Server.start() returns once the connector is bound, so the state is STARTED when
   * S3Proxy.start() returns; we still check it and fail loudly otherwise. Binding 127.0.0.1 (not 0.0.0.0)
   * keeps the demo's well-known keys off the network.
   *
   * [1] S3Proxy, https://github.com/gaul/s3proxy
   */

  /** The region clients should sign with; S3Proxy accepts any, this is the one we advertise. */
  public static final String REGION = "us-east-1";

  private static final Logger log = LoggerFactory.getLogger(EmbeddedS3.class);

  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html (the
  // general-purpose rules)
  private static final Pattern BUCKET_NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

  private final S3Proxy proxy;
  private final PrivateBlobStore blobStore;
  private final URI endpoint;
  private final String bucket;
  private final String accessKey;
  private final String secretKey;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final LongAdder bytesServed;

  private EmbeddedS3(
      S3Proxy proxy,
      PrivateBlobStore blobStore,
      URI endpoint,
      String bucket,
      String accessKey,
      String secretKey) {
    this.proxy = proxy;
    this.blobStore = blobStore;
    this.endpoint = endpoint;
    this.bucket = bucket;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
    this.bytesServed = blobStore.bytesServed;
  }

  /**
   * Starts a server on 127.0.0.1 over {@code dataDirectory} (created if missing; objects already
   * there are served), creates {@code bucket} if it does not exist, and returns once the server
   * accepts requests.
   *
   * @param port the TCP port, or 0 for an ephemeral one (see {@link #endpoint()})
   * @throws Exception if the port is taken or the directory is unusable; nothing is left running
   *     then
   */
  public static EmbeddedS3 start(
      Path dataDirectory, int port, String bucket, String accessKey, String secretKey)
      throws Exception {
    requireNonNull(dataDirectory, "dataDirectory");
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port: " + port + " (expected: 0..65535, 0 = ephemeral)");
    }
    requireNonNull(bucket, "bucket");
    if (!BUCKET_NAME.matcher(bucket).matches() || bucket.contains("..")) {
      throw new IllegalArgumentException(
          "bucket: '"
              + bucket
              + "' (expected: 3-63 characters of a-z 0-9 . -, starting and ending with a letter or"
              + " digit)");
    }
    requireNonBlank(accessKey, "accessKey");
    requireNonBlank(secretKey, "secretKey");

    Path root = Files.createDirectories(dataDirectory).toAbsolutePath();
    PrivateBlobStore blobStore = new PrivateBlobStore(new FilesystemNio2BlobStore(root.toString()));
    S3Proxy proxy = null;
    try {
      if (!blobStore.containerExists(bucket)) {
        blobStore.createContainer(bucket);
      }
      proxy =
          S3Proxy.builder()
              .blobStore(blobStore)
              .endpoint(URI.create("http://127.0.0.1:" + port))
              .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
              .build();
      proxy.start();
      if (!"STARTED".equals(proxy.getState())) {
        throw new IllegalStateException(
            "S3Proxy state after start(): " + proxy.getState() + " (expected: STARTED)");
      }
      URI endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
      log.info("embedded S3 at {} bucket {} over {}", endpoint, bucket, root);
      return new EmbeddedS3(proxy, blobStore, endpoint, bucket, accessKey, secretKey);
    } catch (Exception | Error e) {
      stopQuietly(proxy, e);
      blobStore.close();
      throw e;
    }
  }

  /** Where clients connect, e.g. {@code http://127.0.0.1:41234}; use path-style addressing. */
  public URI endpoint() {
    return endpoint;
  }

  /** The bucket created (or found) at start. */
  public String bucket() {
    return bucket;
  }

  /** The access key id clients sign with. */
  public String accessKey() {
    return accessKey;
  }

  /** The secret key clients sign with. */
  public String secretKey() {
    return secretKey;
  }

  /** The region clients sign with: {@value #REGION}. */
  public String region() {
    return REGION;
  }

  /**
   * Stores {@code body} under {@code key} in the bucket, replacing any object there, without going
   * through HTTP (for seeding). Visible to clients as soon as this returns.
   */
  public void put(String key, byte[] body, String contentType) {
    requireNonBlank(key, "key");
    requireNonNull(body, "body");
    requireNonBlank(contentType, "contentType");
    PutObjectRequest request =
        PutObjectRequest.builder()
            .bucket(bucket)
            .key(key)
            .contentType(contentType)
            .contentLength((long) body.length)
            .build();
    blobStore.putBlob(request, new ByteArrayInputStream(body));
  }

  /**
   * The bytes stored under {@code key}, read straight from the blob store, or empty if there are
   * none.
   */
  public Optional<byte[]> get(String key) {
    requireNonBlank(key, "key");
    if (!blobStore.blobExists(bucket, key)) {
      return Optional.empty();
    }
    try (InputStream in = blobStore.files.getBlob(bucket, key)) { // not a client's GET
      return Optional.of(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + bucket + "/" + key, e);
    }
  }

  /**
   * GET requests clients have made for {@code key} since start, answered or not (a missing key's
   * 404 counts): what a cache in front of S3 saved or did not.
   */
  public long getRequests(String key) {
    LongAdder n = blobStore.gets.get(key);
    return n == null ? 0 : n.sum();
  }

  /** GET requests clients have made for any key since start, answered or not. */
  public long getRequests() {
    return blobStore.gets.values().stream().mapToLong(LongAdder::sum).sum();
  }

  /**
   * Object body bytes read for GET requests so far (ranged GETs count only their range), as the
   * server hands them to its clients: what a real S3 would bill as data transfer. Reads through
   * {@link #get} do not count.
   */
  public long bytesServed() {
    return bytesServed.sum();
  }

  /** Stops the server and frees its port; the data directory stays. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      proxy.stop();
    } catch (Exception e) {
      throw new IllegalStateException("stopping the embedded S3 at " + endpoint, e);
    } finally {
      blobStore.close();
    }
  }

  @Override
  public String toString() {
    return "EmbeddedS3[" + endpoint + ", bucket=" + bucket + "]";
  }

  /**
   * A blob store whose buckets and objects are all private, whatever their files' modes say; counts
   * the GETs of each key (S3Proxy asks the store for the blob of every GET it authenticated, a
   * missing one included) and the body bytes it serves.
   */
  private static final class PrivateBlobStore extends ForwardingBlobStore {
    final ConcurrentMap<String, LongAdder> gets = new ConcurrentHashMap<>();
    final LongAdder bytesServed = new LongAdder();
    final BlobStore files;

    PrivateBlobStore(BlobStore files) {
      super(files);
      this.files = files;
    }

    @Override
    public ResponseInputStream<GetObjectResponse> getBlob(GetObjectRequest request) {
      gets.computeIfAbsent(request.key(), k -> new LongAdder()).increment();
      ResponseInputStream<GetObjectResponse> body = super.getBlob(request);
      return new ResponseInputStream<>(
          body.response(),
          new FilterInputStream(body) {
            @Override
            public int read() throws IOException {
              int b = super.read();
              if (b >= 0) {
                bytesServed.increment();
              }
              return b;
            }

            @Override
            public int read(byte[] into, int offset, int length) throws IOException {
              int n = super.read(into, offset, length);
              if (n > 0) {
                bytesServed.add(n);
              }
              return n;
            }
          });
    }

    @Override
    public BucketCannedACL getContainerAccess(String container) {
      return BucketCannedACL.PRIVATE;
    }

    @Override
    public ObjectCannedACL getBlobAccess(String container, String key) {
      return ObjectCannedACL.PRIVATE;
    }

    @Override
    public ObjectCannedACL getBlobAccess(String container, String key, @Nullable String versionId) {
      return ObjectCannedACL.PRIVATE;
    }
  }

  private static void requireNonBlank(String value, String name) {
    requireNonNull(value, name);
    if (value.isBlank()) {
      throw new IllegalArgumentException(name + ": '" + value + "' (expected: not blank)");
    }
  }

  private static void stopQuietly(@Nullable S3Proxy proxy, Throwable cause) {
    if (proxy == null) {
      return;
    }
    try {
      proxy.stop();
    } catch (Exception e) {
      cause.addSuppressed(e);
    }
  }
}
