package io.imgcdn.edge.http;

import io.imgcdn.common.upstream.BodyFlow;
import io.imgcdn.common.upstream.BodyReceiver;
import io.imgcdn.common.upstream.UpstreamException;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * The shard's answer to a detached client's request for the rest of a relayed object (see {@link
 * StreamBroadcast}): exactly the 206 of the bytes asked for becomes that client's own relay;
 * anything else cuts its response, since the bytes already sent cannot be taken back.
 */
final class RestOfStream implements BodyReceiver {
  private final StreamedResponse subscriber;
  private final StreamBroadcast shared;
  private final String expectedRange;
  private StreamBroadcast own;

  RestOfStream(StreamedResponse subscriber, StreamBroadcast shared, long from, long to) {
    this.subscriber = subscriber;
    this.shared = shared;
    this.expectedRange = "bytes " + from + "-" + to + "/" + shared.objectLength();
  }

  @Override
  public void head(HttpResponse head, BodyFlow flow) {
    // If-Range with the ETag: a changed object comes back as a 200 of the new one, not a 206.
    if (subscriber.hasLeft()
        || !HttpResponseStatus.PARTIAL_CONTENT.equals(head.status())
        || !expectedRange.equals(head.headers().get(HttpHeaderNames.CONTENT_RANGE))
        || !shared.etag().equals(head.headers().get(HttpHeaderNames.ETAG, shared.etag()))) {
      flow.cancel();
      subscriber.cut();
      return;
    }
    // Its own relay never detaches (it has one client) but is released like any other if that
    // client stalls.
    own =
        new StreamBroadcast(
            head,
            flow,
            shared.stats(),
            () -> {},
            0,
            shared.releaseAfterNanos(),
            shared.restFetch());
    own.adopt(subscriber);
    own.start();
  }

  @Override
  public void content(ByteBuf piece) {
    if (own == null) {
      piece.release();
      return;
    }
    shared.stats().streamedBytes.add(piece.readableBytes());
    own.piece(piece);
  }

  @Override
  public void end() {
    if (own != null) {
      own.end();
    }
  }

  @Override
  public void failed(UpstreamException failure, boolean headSeen) {
    if (own != null) {
      own.abort();
    } else {
      subscriber.cut();
    }
  }
}
