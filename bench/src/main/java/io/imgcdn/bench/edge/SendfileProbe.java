package io.imgcdn.bench.edge;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * How much the copy into the socket costs a 60 KB hit: two minimal Netty epoll servers in one JVM
 * answer every request with the same response, one with {@code writev} of an off-heap buffer (as
 * the edge does), one with {@code sendfile} from a tmpfs file (as nginx's proxy_cache on tmpfs
 * does); wrk measures them in alternating rounds: requests per second, and the servers' CPU time
 * per request (the JVM's, which depends much less on what else runs on the machine).
 *
 * <p>Run:
 *
 * {@snippet lang="shell" :
 * java -cp "bench/target/classes:$(cat bench/target/cp.txt)" io.imgcdn.bench.edge.SendfileProbe \
 *     [size=61440] [threads=2] [connections=64] [seconds=10] [rounds=2]
 * }
 */
public final class SendfileProbe {
  /*
   * Nothing but the write differs: the request parser only counts "\r\n\r\n", the head is one
   * pre-encoded buffer, responses to requests read together are flushed together. The file region's
   * deallocate() is a no-op so that every response can share the one file channel (DefaultFileRegion
   * would close it); Netty's epoll transport sends DefaultFileRegions with sendfile(2).
   */
  private SendfileProbe() {}

  static final class SharedFileRegion extends DefaultFileRegion {
    SharedFileRegion(FileChannel file, long position, long count) {
      super(file, position, count);
    }

    @Override
    protected void deallocate() {
      // shared channel: closed by the probe at the end
    }
  }

  public static void main(String[] args) throws Exception {
    java.util.Map<String, String> o = new java.util.HashMap<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      o.put(a.substring(0, eq), a.substring(eq + 1));
    }
    int size = Integer.parseInt(o.getOrDefault("size", "61440"));
    int threads = Integer.parseInt(o.getOrDefault("threads", "2"));
    int connections = Integer.parseInt(o.getOrDefault("connections", "64"));
    Duration duration = Duration.ofSeconds(Long.parseLong(o.getOrDefault("seconds", "10")));
    int rounds = Integer.parseInt(o.getOrDefault("rounds", "2"));
    byte[] body = new byte[size];
    new SplittableRandom(1).nextBytes(body);
    ByteBuf head =
        Unpooled.unreleasableBuffer(
            Unpooled.directBuffer()
                .writeBytes(
                    ("HTTP/1.1 200 OK\r\n"
                            + "Content-Type: image/jpeg\r\nContent-Length: "
                            + size
                            + "\r\nETag: \"probe\"\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII)));
    ByteBuf offHeap = Unpooled.unreleasableBuffer(Unpooled.directBuffer(size).writeBytes(body));
    Path dir =
        Files.isDirectory(Path.of("/dev/shm"))
            ? Path.of("/dev/shm")
            : Path.of(System.getProperty("java.io.tmpdir"));
    Path file = Files.createTempFile(dir, "sendfile-probe", ".bin");
    Files.write(file, body);
    EventLoopGroup writevGroup =
        new MultiThreadIoEventLoopGroup(threads, EpollIoHandler.newFactory());
    EventLoopGroup sendfileGroup =
        new MultiThreadIoEventLoopGroup(threads, EpollIoHandler.newFactory());
    Path log = Files.createTempFile("sendfile-probe", ".log");
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      Files.delete(file);
      int writevPort = bind(writevGroup, ctx -> ctx.write(offHeap.duplicate()), head);
      int sendfilePort =
          bind(sendfileGroup, ctx -> ctx.write(new SharedFileRegion(channel, 0, size)), head);
      for (int port : new int[] {writevPort, sendfilePort}) { // JIT and page warm-up
        WrkRun.run("http://127.0.0.1:" + port + "/", 2, connections, Duration.ofSeconds(3), log);
      }
      double[] sums = new double[2];
      double[] cpu = new double[2];
      for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < 2; i++) {
          int which = (r % 2 == 0) ? i : 1 - i;
          long cpuBefore = cpuNanos();
          WrkRun run =
              WrkRun.run(
                  "http://127.0.0.1:" + (which == 0 ? writevPort : sendfilePort) + "/",
                  2,
                  connections,
                  duration,
                  log);
          double cpuMicros = (cpuNanos() - cpuBefore) / 1000.0 / run.requests();
          sums[which] += run.requestsPerSecond();
          cpu[which] += cpuMicros;
          System.out.printf(
              Locale.ROOT,
              "round %d %-8s %,10.0f req/s  p99 %7.2f ms  CPU %5.1f us/req  errors %d  (%s)%n",
              r + 1,
              which == 0 ? "writev" : "sendfile",
              run.requestsPerSecond(),
              run.p99Millis(),
              cpuMicros,
              run.errors(),
              Files.readString(Path.of("/proc/loadavg")).strip());
        }
      }
      System.out.printf(
          Locale.ROOT,
          "size %d: sendfile / writev req/s = %.2f, CPU per request = %.2f (means of %d rounds)%n",
          size,
          sums[1] / sums[0],
          cpu[1] / cpu[0],
          rounds);
    } finally {
      writevGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
      sendfileGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
      Files.deleteIfExists(log);
    }
  }

  /** CPU time of this JVM (both servers; only the one under load is busy). */
  private static long cpuNanos() {
    return ProcessHandle.current().info().totalCpuDuration().orElseThrow().toNanos();
  }

  private static int bind(
      EventLoopGroup group, java.util.function.Consumer<ChannelHandlerContext> body, ByteBuf head)
      throws InterruptedException {
    Channel server =
        new ServerBootstrap()
            .group(group)
            .channel(EpollServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline()
                        .addLast(
                            new ChannelInboundHandlerAdapter() {
                              private int matched; // of "\r\n\r\n"

                              @Override
                              public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ByteBuf in = (ByteBuf) msg;
                                try {
                                  while (in.isReadable()) {
                                    byte b = in.readByte();
                                    matched =
                                        b == (matched % 2 == 0 ? '\r' : '\n')
                                            ? matched + 1
                                            : (b == '\r' ? 1 : 0);
                                    if (matched == 4) {
                                      matched = 0;
                                      ctx.write(head.duplicate());
                                      body.accept(ctx);
                                    }
                                  }
                                } finally {
                                  in.release();
                                }
                              }

                              @Override
                              public void channelReadComplete(ChannelHandlerContext ctx) {
                                ctx.flush();
                              }

                              @Override
                              public void exceptionCaught(
                                  ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close(); // wrk resets its connections at the end of a run
                              }
                            });
                  }
                })
            .bind("127.0.0.1", 0)
            .sync()
            .channel();
    return ((java.net.InetSocketAddress) server.localAddress()).getPort();
  }
}
