// The package downloader's HTTP on HttpURLConnection (no extra dependency; Android's is backed
// by OkHttp internally). One ranged GET per call; zkbio calls it on its download thread.
package org.zkbio.platform

import java.io.IOException
import java.io.InputStream
import java.net.HttpURLConnection
import java.net.URI
import java.net.URISyntaxException
import org.zkbio.FetchException
import org.zkbio.Fetcher

/**
 * A [Fetcher] making `Range: bytes=start-(end-1)` GETs with [HttpURLConnection].
 *
 * - A 206 reply must say `Content-Range: bytes start-…`; one at another offset is
 *   `FetchException.Invalid`. A 200 reply (the server ignored `Range`) to a request at a non-zero
 *   offset is `FetchException.RangeNotSupported`; at offset 0 its first `end` bytes are used.
 * - Never returns more than asked; a body that breaks off after some bytes returns those (the
 *   downloader asks again from there).
 * - Connection failures, HTTP 5xx, 408 and 429 are retried here up to [attempts] times in all,
 *   pausing [retryDelayMillis] × 2ⁿ, before the error goes to the downloader (which retries on
 *   its own schedule too; pass `attempts = 1` to leave retrying to it).
 * - `Accept-Encoding: identity`: a transparently gzipped body would not be the asked bytes.
 *
 * [maxBodyBytes] bounds what one open-ended call (`end == null`, e.g. `manifest.json`) reads.
 */
class HttpRangeFetcher(
    private val attempts: Int = 3,
    private val retryDelayMillis: Long = 250,
    private val connectTimeoutMillis: Int = 15_000,
    private val readTimeoutMillis: Int = 30_000,
    private val maxBodyBytes: Int = 64 shl 20,
) : Fetcher {
    init {
        require(attempts >= 1) { "attempts must be at least 1" }
        require(maxBodyBytes in 1 until Int.MAX_VALUE) { "maxBodyBytes must be in 1 until Int.MAX_VALUE" }
    }

    override fun fetchRange(url: String, start: Long, end: Long?): ByteArray {
        if (start < 0) throw FetchException.Invalid("range start $start is negative")
        if (end != null && end < start) throw FetchException.Invalid("range $start..$end is reversed")
        if (end == start) return ByteArray(0)
        val want = end?.let { it - start }
        if (want != null && want > Int.MAX_VALUE) {
            throw FetchException.Invalid("range of $want bytes is too large for one call")
        }
        val limit = want?.toInt() ?: maxBodyBytes
        val target = parse(url)
        var failure: FetchException? = null
        for (attempt in 0 until attempts) {
            if (attempt > 0) sleep(retryDelayMillis shl (attempt - 1).coerceAtMost(10))
            try {
                return once(target, start, end, limit)
            } catch (e: FetchException) {
                if (!retryable(e)) throw e
                failure = e
            }
        }
        throw failure ?: FetchException.Network("no attempt made")
    }

    private fun parse(url: String): java.net.URL {
        val uri = try {
            URI(url)
        } catch (e: URISyntaxException) {
            throw FetchException.Invalid("bad URL $url: ${e.reason}")
        }
        if (uri.scheme?.lowercase() !in setOf("http", "https") || uri.host == null) {
            throw FetchException.Invalid("not an http(s) URL: $url")
        }
        return uri.toURL()
    }

    private fun once(target: java.net.URL, start: Long, end: Long?, limit: Int): ByteArray {
        val conn = try {
            target.openConnection() as HttpURLConnection
        } catch (e: IOException) {
            throw FetchException.Network("$target: $e")
        }
        try {
            conn.connectTimeout = connectTimeoutMillis
            conn.readTimeout = readTimeoutMillis
            conn.instanceFollowRedirects = true
            conn.setRequestProperty("Accept-Encoding", "identity")
            conn.setRequestProperty("Range", "bytes=$start-" + (end?.let { (it - 1).toString() } ?: ""))
            val status = try {
                conn.responseCode
            } catch (e: IOException) {
                throw FetchException.Network("$target: $e")
            }
            when (status) {
                HttpURLConnection.HTTP_PARTIAL -> {
                    val range = conn.getHeaderField("Content-Range")
                        ?: throw FetchException.Invalid("206 without Content-Range")
                    val first = contentRangeStart(range)
                    if (first != start) {
                        throw FetchException.Invalid("asked for bytes from $start, got Content-Range: $range")
                    }
                }
                HttpURLConnection.HTTP_OK -> if (start != 0L) throw FetchException.RangeNotSupported()
                else -> throw FetchException.Status(status)
            }
            val body = try {
                conn.inputStream
            } catch (e: IOException) {
                throw FetchException.Network("$target: $e")
            }
            // Open-ended: one byte more than allowed tells a body that is too large.
            val bytes = body.use { readAtMost(it, if (end == null) limit + 1 else limit) }
            if (bytes.size > limit) throw FetchException.Invalid("body larger than $limit bytes")
            return bytes
        } finally {
            conn.disconnect()
        }
    }

    companion object {
        private val RETRIED_STATUS = setOf(408, 429)

        /** Whether a failure may pass on a second try. */
        fun retryable(e: FetchException): Boolean = when (e) {
            is FetchException.Network -> true
            is FetchException.Status -> e.status >= 500 || e.status in RETRIED_STATUS
            else -> false
        }

        /** `a` of `bytes a-b/total` (RFC 9110 §14.4), or Invalid. */
        fun contentRangeStart(header: String): Long {
            val spec = header.trim()
            if (!spec.startsWith("bytes ")) throw FetchException.Invalid("Content-Range: $header")
            val dash = spec.indexOf('-')
            return spec.substring(6, if (dash < 0) spec.length else dash).trim().takeIf { it.isNotEmpty() && it.all(Char::isDigit) }?.toLongOrNull()
                ?: throw FetchException.Invalid("Content-Range: $header")
        }

        /**
         * Up to [limit] bytes of [input]; if the stream breaks after some bytes, those bytes (a
         * short read the downloader resumes from), if before any, a network error.
         */
        fun readAtMost(input: InputStream, limit: Int): ByteArray {
            val out = java.io.ByteArrayOutputStream(minOf(limit, 1 shl 20))
            val buf = ByteArray(64 * 1024)
            var total = 0
            try {
                while (total < limit) {
                    val n = input.read(buf, 0, minOf(buf.size, limit - total))
                    if (n < 0) break
                    out.write(buf, 0, n)
                    total += n
                }
            } catch (e: IOException) {
                if (total == 0) throw FetchException.Network("reading the body: $e")
            }
            return out.toByteArray()
        }

        private fun sleep(ms: Long) {
            try {
                Thread.sleep(ms)
            } catch (e: InterruptedException) {
                Thread.currentThread().interrupt()
                throw FetchException.Network("interrupted")
            }
        }
    }
}
