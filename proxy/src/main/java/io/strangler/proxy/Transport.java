package io.strangler.proxy;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.function.Supplier;

/**
 * The Netty I/O transport: native io_uring or epoll where the kernel offers it, NIO everywhere. {@code auto}
 * picks io_uring, then epoll, then NIO. On our two-core loopback measurements io_uring gave the most throughput,
 * and under full CPU contention with 512 connections epoll left some requests stalled for over two seconds
 * where io_uring and NIO did not (docs/performance.md).
 *
 * @param name {@code epoll}, {@code io_uring} or {@code nio}
 * @param ioHandlerFactory creates the per-thread I/O handler
 * @param serverChannel server socket channel type
 * @param clientChannel client socket channel type
 */
public record Transport(
        String name,
        Supplier<IoHandlerFactory> ioHandlerFactory,
        Class<? extends ServerSocketChannel> serverChannel,
        Class<? extends SocketChannel> clientChannel) {

    /**
     * The transport for a config value ({@code auto}, {@code epoll}, {@code io_uring}, {@code nio}).
     *
     * @throws IllegalStateException if a native transport was asked for and this machine cannot load it
     */
    public static Transport select(String wanted) {
        return switch (wanted) {
            case "nio" -> nio();
            case "epoll" -> {
                if (!Epoll.isAvailable()) {
                    throw new IllegalStateException("epoll transport unavailable: " + Epoll.unavailabilityCause());
                }
                yield epoll();
            }
            case "io_uring" -> {
                if (!IoUring.isAvailable()) {
                    throw new IllegalStateException("io_uring transport unavailable: "
                            + IoUring.unavailabilityCause());
                }
                yield ioUring();
            }
            default -> IoUring.isAvailable() ? ioUring() : Epoll.isAvailable() ? epoll() : nio();
        };
    }

    private static Transport ioUring() {
        return new Transport("io_uring", IoUringIoHandler::newFactory, IoUringServerSocketChannel.class,
                IoUringSocketChannel.class);
    }

    private static Transport epoll() {
        return new Transport("epoll", EpollIoHandler::newFactory, EpollServerSocketChannel.class,
                EpollSocketChannel.class);
    }

    private static Transport nio() {
        return new Transport("nio", NioIoHandler::newFactory, NioServerSocketChannel.class, NioSocketChannel.class);
    }

    /** A new event loop group of this transport; {@code threads == 0} means one per available processor. */
    public MultiThreadIoEventLoopGroup newGroup(int threads, String threadNamePrefix) {
        return newGroup(threads, threadNamePrefix, Thread.NORM_PRIORITY);
    }

    /** As {@link #newGroup(int, String)}, with threads of the given priority (see {@link ThreadPriorities}). */
    public MultiThreadIoEventLoopGroup newGroup(int threads, String threadNamePrefix, int priority) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(threadNamePrefix, true, priority),
                ioHandlerFactory.get());
    }
}
