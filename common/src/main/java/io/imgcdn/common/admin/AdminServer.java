package io.imgcdn.common.admin;

import io.imgcdn.common.http.HttpServers;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A node's admin port: health, readiness, Prometheus metrics and authenticated admin actions. It is
 * a separate listener so the serving port never exposes any of it.
 */
public final class AdminServer implements AutoCloseable {
  private final Channel channel;

  private AdminServer(Channel channel) {
    this.channel = channel;
  }

  public static AdminServer start(
      EventLoopGroup boss,
      EventLoopGroup workers,
      String host,
      int port,
      String token,
      List<AdminRoute> routes) {
    byte[] tokenBytes = token.getBytes(StandardCharsets.UTF_8);
    Channel ch =
        HttpServers.bind(
            boss,
            workers,
            host,
            port,
            new ChannelInitializer<SocketChannel>() {
              @Override
              protected void initChannel(SocketChannel c) {
                c.pipeline().addLast(new ReadTimeoutHandler(60));
                c.pipeline().addLast(new HttpServerCodec(4096, 8192, 8192));
                c.pipeline().addLast(new HttpObjectAggregator(1 << 20));
                c.pipeline().addLast(new Handler(routes, tokenBytes));
              }
            });
    return new AdminServer(ch);
  }

  public int port() {
    return HttpServers.port(channel);
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
  }

  private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final List<AdminRoute> routes;
    private final byte[] token;

    Handler(List<AdminRoute> routes, byte[] token) {
      this.routes = routes;
      this.token = token;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      boolean keepAlive = HttpUtil.isKeepAlive(request);
      QueryStringDecoder query = new QueryStringDecoder(request.uri());
      String body = request.content().toString(StandardCharsets.UTF_8);
      CompletableFuture<AdminResponse> reply = route(request, query, body);
      reply.whenComplete(
          (r, failure) -> {
            AdminResponse response =
                failure != null
                    ? AdminResponse.text(500, "admin action failed: " + rootMessage(failure))
                    : r;
            ctx.executor().execute(() -> write(ctx, response, keepAlive));
          });
    }

    private CompletableFuture<AdminResponse> route(
        FullHttpRequest request, QueryStringDecoder query, String body) {
      if (!request.decoderResult().isSuccess()) {
        return CompletableFuture.completedFuture(AdminResponse.text(400, "malformed request"));
      }
      boolean pathKnown = false;
      for (AdminRoute route : routes) {
        if (!route.path().equals(query.path())) {
          continue;
        }
        pathKnown = true;
        if (!route.method().equals(request.method().name())) {
          continue;
        }
        if (route.needsToken()) {
          if (token.length == 0) {
            return CompletableFuture.completedFuture(
                AdminResponse.text(403, "admin actions are disabled: set admin.token"));
          }
          String auth = request.headers().get(HttpHeaderNames.AUTHORIZATION, "");
          // The auth scheme is case-insensitive (RFC 9110 section 11.1).
          byte[] given =
              auth.regionMatches(true, 0, "Bearer ", 0, 7)
                  ? auth.substring(7).trim().getBytes(StandardCharsets.UTF_8)
                  : new byte[0];
          if (!MessageDigest.isEqual(given, token)) {
            return CompletableFuture.completedFuture(
                AdminResponse.text(
                    401, "missing or wrong admin token (Authorization: Bearer ...)"));
          }
        }
        try {
          return route.handler().handle(query, body);
        } catch (RuntimeException e) {
          return CompletableFuture.completedFuture(
              AdminResponse.text(400, Objects.requireNonNullElse(e.getMessage(), e.toString())));
        }
      }
      return CompletableFuture.completedFuture(
          pathKnown
              ? AdminResponse.text(
                  405, "method " + request.method() + " not allowed on " + query.path())
              : AdminResponse.text(404, "no admin route " + query.path()));
    }

    private static String rootMessage(Throwable t) {
      while (t.getCause() != null) {
        t = t.getCause();
      }
      return String.valueOf(t.getMessage());
    }

    private static void write(ChannelHandlerContext ctx, AdminResponse r, boolean keepAlive) {
      byte[] bytes = r.body().getBytes(StandardCharsets.UTF_8);
      FullHttpResponse response =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1,
              HttpResponseStatus.valueOf(r.status()),
              Unpooled.wrappedBuffer(bytes));
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
      response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
      response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
      if (keepAlive) {
        ctx.writeAndFlush(response);
      } else {
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
