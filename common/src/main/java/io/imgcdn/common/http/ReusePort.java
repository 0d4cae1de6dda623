package io.imgcdn.common.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollServerSocketChannel;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listening-socket hand-over between an old and a new process of the same node: both listen on
 * the port at once (SO_REUSEPORT), and the newer listener takes every new connection, so the old
 * one can close its listener with nothing queued in it.
 */
final class ReusePort {
  /*
   * Why not plain SO_REUSEPORT: the kernel hashes each new connection to one listener of the group, and a
   * listener that closes resets what waits in its accept queue (unless net.ipv4.tcp_migrate_req is set,
   * which needs root and is off by default). So every listener attaches a one-instruction classic BPF
   * program to the group (SO_ATTACH_REUSEPORT_CBPF, Linux 4.5+; no privilege needed): "return 1", the
   * group's second socket. Sockets join the group in bind order, and one that leaves is replaced by the
   * last, so with two listeners index 1 is the newer one; with one listener 1 is out of range and the
   * kernel falls back to its hash, which picks the only one. The old process therefore stops getting new
   * connections the moment its successor binds, keeps accepting what is already queued, and closes later
   * with an empty queue. The program stays with the group after the socket that attached it closes.
   * Where epoll is not the transport (or the call fails) the port is bound alone, as before: a restart
   * then has a gap while nothing listens.
   */
  private static final Logger LOG = LoggerFactory.getLogger(ReusePort.class);

  private static final int SOL_SOCKET = 1;
  private static final int SO_ATTACH_REUSEPORT_CBPF = 51;
  private static final short BPF_RET_K = 0x06; // BPF_RET | BPF_K: return the constant k
  private static final int NEWER_LISTENER = 1;

  private static final @Nullable MethodHandle SETSOCKOPT = setsockopt();

  private ReusePort() {}

  /** Lets the port be shared with the node's next process, where the transport can. */
  static void share(ServerBootstrap bootstrap) {
    if (Transports.serverChannel() == EpollServerSocketChannel.class) {
      bootstrap.option(EpollChannelOption.SO_REUSEPORT, true);
    }
  }

  /** Once bound: new connections go to the newest listener of the port's group. */
  static void steerToNewest(Channel listener) {
    if (!(listener instanceof EpollServerSocketChannel epoll) || SETSOCKOPT == null) {
      return;
    }
    int fd = epoll.fd().intValue();
    try (Arena arena = Arena.ofConfined()) {
      // struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }
      MemorySegment filter = arena.allocate(8, 8);
      filter.set(ValueLayout.JAVA_SHORT, 0, BPF_RET_K);
      filter.set(ValueLayout.JAVA_INT, 4, NEWER_LISTENER);
      // struct sock_fprog { unsigned short len; struct sock_filter *filter; } (x86-64, aarch64)
      MemorySegment program = arena.allocate(16, 8);
      program.set(ValueLayout.JAVA_SHORT, 0, (short) 1);
      program.set(ValueLayout.ADDRESS, 8, filter);
      int rc = (int) SETSOCKOPT.invokeExact(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, program, 16);
      if (rc != 0) {
        LOG.warn(
            "{}: cannot steer new connections to the newest listener (setsockopt returned {});"
                + " a restart may reset connections queued at the old process",
            listener.localAddress(),
            rc);
      }
    } catch (Throwable e) {
      LOG.warn("{}: cannot steer new connections: {}", listener.localAddress(), e.toString());
    }
  }

  @SuppressWarnings("restricted") // one FFM downcall: setsockopt, which Netty does not expose
  private static @Nullable MethodHandle setsockopt() {
    try {
      Linker linker = Linker.nativeLinker();
      return linker
          .defaultLookup()
          .find("setsockopt")
          .map(
              address ->
                  linker.downcallHandle(
                      address,
                      FunctionDescriptor.of(
                          ValueLayout.JAVA_INT,
                          ValueLayout.JAVA_INT,
                          ValueLayout.JAVA_INT,
                          ValueLayout.JAVA_INT,
                          ValueLayout.ADDRESS,
                          ValueLayout.JAVA_INT)))
          .orElse(null);
    } catch (RuntimeException | LinkageError e) {
      LOG.debug("setsockopt not available: {}", e.toString());
      return null;
    }
  }
}
