package dev.larkhandoff.server.http;

import dev.larkhandoff.server.ServerJson;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee11.servlet.ServletContextRequest;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every request body before anything else sees it, within bounds: at most {@link HttpLimits#maxBody()} bytes
 * (413 beyond), and a body that does not arrive at once waits only for a limited time (408) and only while fewer
 * than {@link HttpLimits#slowBodies()} others wait (503). Each waiting body holds one of Jetty's threads, so capping
 * them below the thread pool keeps threads free for everyone else; a body that arrives within a short grace never
 * counts as waiting, which is why an ordinary request gets through however many slow ones are trickling in. On
 * loopback every client has the same address (and no uid is known), so the cap is global rather than per client.
 */
final class BodyFilter implements Filter {

    private static final Logger log = LoggerFactory.getLogger(BodyFilter.class);

    /**
     * How long a body may take to start arriving before it counts as slow: clients send the headers and the body in
     * separate writes, so an ordinary body is often not there yet when the headers are.
     */
    private static final Duration GRACE = Duration.ofMillis(250);

    private final HttpLimits limits;
    private final Semaphore slow;
    private final RefusalLog refusals;

    BodyFilter(HttpLimits limits, RefusalLog refusals) {
        this.limits = limits;
        this.slow = new Semaphore(limits.slowBodies());
        this.refusals = refusals;
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        HttpServletResponse response = (HttpServletResponse) res;
        if (!hasBody(request)) {
            chain.doFilter(req, res);
            return;
        }
        if (request.getContentLengthLong() > limits.maxBody()) {
            tooLarge(request, response);
            return;
        }
        Request core = ServletContextRequest.getServletContextRequest(request);
        More more = new More(core);
        ByteArrayOutputStream body = new ByteArrayOutputStream(
                (int) Math.max(0, Math.min(request.getContentLengthLong(), limits.maxBody())));
        boolean waiting = false;
        boolean graceUsed = false;
        long deadline = 0;
        try {
            while (true) {
                Content.Chunk chunk = core.read();
                if (chunk == null) {
                    if (!graceUsed) {
                        graceUsed = true;
                        if (more.await(System.nanoTime() + GRACE.toNanos())) {
                            continue;
                        }
                    }
                    if (!waiting) {
                        if (!slow.tryAcquire()) {
                            refuse(
                                    request,
                                    response,
                                    HttpServletResponse.SC_SERVICE_UNAVAILABLE,
                                    "busy",
                                    "too many request bodies are arriving slowly at once; try again");
                            return;
                        }
                        waiting = true;
                        deadline = System.nanoTime() + limits.bodyDeadline().toNanos();
                    }
                    if (!more.await(deadline)) {
                        refuse(
                                request,
                                response,
                                HttpServletResponse.SC_REQUEST_TIMEOUT,
                                "body_timeout",
                                "the request body did not arrive within "
                                        + limits.bodyDeadline().toSeconds() + " s");
                        return;
                    }
                    continue;
                }
                try {
                    if (Content.Chunk.isFailure(chunk)) {
                        throw new IOException("reading the request body failed", chunk.getFailure());
                    }
                    ByteBuffer bytes = chunk.getByteBuffer();
                    if (body.size() + (long) bytes.remaining() > limits.maxBody()) {
                        tooLarge(request, response);
                        return;
                    }
                    byte[] copy = new byte[bytes.remaining()];
                    bytes.get(copy);
                    body.write(copy);
                    if (chunk.isLast()) {
                        break;
                    }
                } finally {
                    chunk.release();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            refuse(
                    request,
                    response,
                    HttpServletResponse.SC_SERVICE_UNAVAILABLE,
                    "shutting_down",
                    "the daemon is shutting down");
            return;
        } finally {
            if (waiting) {
                slow.release();
            }
        }
        byte[] read = body.toByteArray();
        HttpCalls.noteRequestKey(request, read);
        chain.doFilter(new ReadBody(request, read), res);
    }

    private static boolean hasBody(HttpServletRequest request) {
        return request.getContentLengthLong() > 0 || request.getHeader("Transfer-Encoding") != null;
    }

    /** Waits for more of the body; Jetty takes one demand at a time, so an unanswered one is waited on again. */
    private static final class More {

        private final Request core;
        private CountDownLatch pending;

        More(Request core) {
            this.core = core;
        }

        /** False when the deadline ({@link System#nanoTime()}) passed first. */
        boolean await(long deadline) throws InterruptedException {
            if (pending == null) {
                CountDownLatch latch = new CountDownLatch(1);
                pending = latch;
                core.demand(latch::countDown);
            }
            long left = deadline - System.nanoTime();
            if (left > 0 && pending.await(left, TimeUnit.NANOSECONDS)) {
                pending = null;
                return true;
            }
            return false;
        }
    }

    private void tooLarge(HttpServletRequest request, HttpServletResponse response) throws IOException {
        refuse(
                request,
                response,
                HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE,
                "too_large",
                "the request body is over the daemon's limit of " + limits.maxBody() + " bytes");
    }

    private void refuse(
            HttpServletRequest request, HttpServletResponse response, int status, String error, String message)
            throws IOException {
        refusals.refused("refused {} {}: {}", request.getMethod(), request.getRequestURI(), message);
        // Whatever is left of the body is not read: the connection cannot be reused.
        response.setHeader("Connection", "close");
        response.setStatus(status);
        response.setContentType("application/json");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.getWriter()
                .write(ServerJson.mapper()
                        .createObjectNode()
                        .put("error", error)
                        .put("message", message)
                        .toString());
        log.debug("refused with {}", status);
    }

    /** The request with its body already read into memory. */
    private static final class ReadBody extends HttpServletRequestWrapper {

        private final byte[] body;

        ReadBody(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new IllegalStateException("the body was read already; read it blocking");
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            String encoding = getCharacterEncoding();
            Charset charset = encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
            return new BufferedReader(new InputStreamReader(getInputStream(), charset));
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }
    }
}
