package io.plantline.api.reports;

import io.plantline.api.db.Database;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.sql.SQLException;
import java.util.UUID;

/**
 * A report's file as it is written: bytes collect up to {@link #CHUNK_BYTES}, then go to {@code report_chunks} as one
 * row, in the generator's transaction, so at most one chunk is ever in memory.
 */
final class ChunkedFile extends OutputStream {

    static final int CHUNK_BYTES = 1 << 20;

    private final Database.Tx tx;
    private final UUID reportId;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(CHUNK_BYTES);
    private int chunks;
    private long size;

    ChunkedFile(Database.Tx tx, UUID reportId) {
        this.tx = tx;
        this.reportId = reportId;
    }

    @Override
    public void write(int b) throws IOException {
        buffer.write(b);
        size++;
        flushIfFull();
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        buffer.write(bytes, offset, length);
        size += length;
        flushIfFull();
    }

    long size() {
        return size;
    }

    private void flushIfFull() throws IOException {
        if (buffer.size() >= CHUNK_BYTES) {
            flushChunk();
        }
    }

    /** Writes what is left; the file is complete once the transaction commits. */
    @Override
    public void close() throws IOException {
        if (buffer.size() > 0) {
            flushChunk();
        }
    }

    private void flushChunk() throws IOException {
        try {
            tx.update("INSERT INTO report_chunks (report_id, seq, data) VALUES (?, ?, ?)", reportId, chunks++,
                    buffer.toByteArray());
            buffer.reset();
        } catch (SQLException e) {
            throw new IOException("storing a chunk of report " + reportId + " failed", e);
        }
    }
}
