package io.chatnio.internal;

import io.chatnio.Handler;
import io.chatnio.Refusal;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every call into application code goes through here: the handler's callbacks, tasks and timers. It keeps
 * them one at a time and never nested: a connection closed during a callback (by the application, a failed
 * write, a policy) is reported with {@code onClose} after that callback returns, so a half-built message of
 * the caller survives. It applies the error policy (log at WARN, close only the connection concerned) and
 * ends any message the application began but did not send.
 *
 * <p><b>Threading.</b> Loop thread only; every method is "Only called on the loop thread".
 */
final class Callbacks {
    private static final Logger log = LoggerFactory.getLogger(io.chatnio.Reactor.class);

    private final Handler handler;
    private final Stats stats;
    private final FlowControl flow;
    /** The writer of {@code message()} and {@code fanout()}: its unsent message ends with the outermost callback. */
    private final Writer userWriter;
    /** Callbacks in progress: 0 outside, 1 in one; more only while a closed connection is being reported. */
    private int depth;
    /** Closes to report, oldest first, in {@code [closedHead, closedCount)}; with their causes. */
    private Conn[] closed = new Conn[8];
    private Throwable[] causes = new Throwable[8];
    private int closedHead;
    private int closedCount;

    Callbacks(Handler handler, Stats stats, FlowControl flow, Writer userWriter) {
        this.handler = handler;
        this.stats = stats;
        this.flow = flow;
        this.userWriter = userWriter;
    }

    /** Whether closes wait to be reported. */
    boolean hasPending() {
        return closedCount > closedHead;
    }

    /** onOpen; false if it threw (the connection is then closed). */
    boolean opened(Conn c) {
        depth++;
        try {
            handler.onOpen(c);
            return true;
        } catch (Throwable t) {
            ReactorImpl.rethrowIfFatal(t);
            applicationError(c, "onOpen of " + handler, t);
            return false;
        } finally {
            exit();
        }
    }

    /** onMessage with {@code c} as the current sender; false if it threw (the connection is then closed). */
    boolean message(Conn c, ByteBuffer payload) {
        depth++;
        Conn previous = flow.enterSender(c);
        try {
            handler.onMessage(c, payload);
            return true;
        } catch (Throwable t) {
            ReactorImpl.rethrowIfFatal(t);
            applicationError(c, "onMessage of " + handler, t);
            return false;
        } finally {
            flow.enterSender(previous);
            exit();
        }
    }

    void writabilityChanged(Conn c) {
        depth++;
        try {
            handler.onWritabilityChanged(c);
        } catch (Throwable t) {
            ReactorImpl.rethrowIfFatal(t);
            log.warn("{}: onWritabilityChanged of {} threw", c, handler, t);
        } finally {
            exit();
        }
    }

    void refused(Conn c, Refusal reason) {
        depth++;
        try {
            handler.onRefused(c, reason);
        } catch (Throwable t) {
            ReactorImpl.rethrowIfFatal(t);
            log.warn("{}: onRefused of {} threw", c, handler, t);
        } finally {
            exit();
        }
    }

    /** Runs a task or timer; an exception is logged. */
    void run(Runnable task, String what) {
        depth++;
        try {
            task.run();
        } catch (Throwable t) {
            ReactorImpl.rethrowIfFatal(t);
            log.warn("{} {} threw", what, task, t);
        } finally {
            exit();
        }
    }

    /** {@code c} closed: onClose now, or after the callback in progress. */
    void closed(Conn c, Throwable cause) {
        if (closedCount == closed.length) {
            if (closedHead > 0) {
                int n = closedCount - closedHead;
                System.arraycopy(closed, closedHead, closed, 0, n);
                System.arraycopy(causes, closedHead, causes, 0, n);
                Arrays.fill(closed, n, closedCount, null);
                Arrays.fill(causes, n, closedCount, null);
                closedHead = 0;
                closedCount = n;
            } else {
                closed = Arrays.copyOf(closed, closedCount * 2);
                causes = Arrays.copyOf(causes, closedCount * 2);
            }
        }
        closed[closedCount] = c;
        causes[closedCount++] = cause;
        if (depth == 0) {
            depth++;
            exit();
        }
    }

    /** Application code threw while handling {@code c}: log, count, close only that connection. */
    void applicationError(Conn c, String where, Throwable t) {
        stats.protocolErrors++;
        log.warn("{}: {} threw; closing the connection", c, where, t);
        c.closeNow(t);
    }

    /** Leaves a callback; the outermost one ends an unsent message and reports closes, oldest first. */
    private void exit() {
        if (depth == 1) {
            userWriter.discard();
            if (closedCount > 0) {
                reportClosed();
            }
        }
        depth--;
    }

    /** Reports the closes queued during the outermost callback, oldest first. */
    private void reportClosed() {
        while (closedHead < closedCount) {
            Conn c = closed[closedHead];
            Throwable cause = causes[closedHead];
            closed[closedHead] = null;
            causes[closedHead++] = null;
            try {
                handler.onClose(c, cause);
            } catch (Throwable t) {
                ReactorImpl.rethrowIfFatal(t);
                log.warn("{}: onClose of {} threw", c, handler, t);
            } finally {
                userWriter.discard();
            }
        }
        closedHead = 0;
        closedCount = 0;
    }
}
