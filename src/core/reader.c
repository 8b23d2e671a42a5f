/* reader.c - bounds-checked readers for the wasm binary format: bytes and
 * LEB128 integers with the exact length and range rules of the spec. Used by
 * the decoder and, at instantiation, by constant-expression evaluation. */
#include "core/module.h"

static weft_status eof_error(wr_reader *r)
{
    return wu_error(r->err, WEFT_MALFORMED, r->pos, "unexpected end");
}

weft_status wr_byte(wr_reader *r, uint8_t *out)
{
    *out = 0;
    if (r->pos >= r->end)
        return eof_error(r);
    *out = r->bytes[r->pos++];
    return WEFT_OK;
}

weft_status wr_fixed(wr_reader *r, void *out, size_t n)
{
    if (r->end - r->pos < n)
        return eof_error(r);
    memcpy(out, r->bytes + r->pos, n);
    r->pos += n;
    return WEFT_OK;
}

weft_status wr_eof(wr_reader *r) { return eof_error(r); }

static weft_status leb(wr_reader *r, unsigned bits, bool sign, uint64_t *out)
{
    uint64_t result = 0;
    unsigned shift = 0;
    size_t start = r->pos;
    uint8_t b;
    *out = 0;
    for (;;) {
        if (r->pos >= r->end)
            return wu_error(r->err, WEFT_MALFORMED, r->pos,
                            "unexpected end of LEB128 number");
        b = r->bytes[r->pos++];
        unsigned remaining = bits - shift;  /* bits still to be filled */
        if (remaining < 7) {
            /* Last possible byte: no continuation; the unused high bits
             * must be zero (unsigned) or copies of the sign bit (signed). */
            if (b & 0x80)
                return wu_error(r->err, WEFT_MALFORMED, start,
                                "integer representation too long");
            if (!sign) {
                if (b >> remaining)
                    return wu_error(r->err, WEFT_MALFORMED, start,
                                    "integer too large");
            } else {
                unsigned top = (b & 0x7Fu) >> (remaining - 1);
                if (top != 0 && top != (0x7Fu >> (remaining - 1)))
                    return wu_error(r->err, WEFT_MALFORMED, start,
                                    "integer too large");
            }
            result |= (uint64_t)(b & ((1u << remaining) - 1)) << shift;
            shift += remaining;
            if (sign && ((b >> (remaining - 1)) & 1) && shift < 64)
                result |= ~0ull << shift;
            break;
        }
        result |= (uint64_t)(b & 0x7F) << shift;
        shift += 7;
        if (!(b & 0x80)) {
            if (sign && (b & 0x40) && shift < 64)
                result |= ~0ull << shift;
            break;
        }
    }
    *out = result;
    return WEFT_OK;
}

weft_status wr_u32(wr_reader *r, uint32_t *out)
{
    uint64_t v;
    weft_status s = leb(r, 32, false, &v);
    *out = (uint32_t)v;
    return s;
}

weft_status wr_s32(wr_reader *r, int32_t *out)
{
    uint64_t v;
    weft_status s = leb(r, 32, true, &v);
    *out = (int32_t)(uint32_t)v;
    return s;
}

weft_status wr_s33(wr_reader *r, int64_t *out)
{
    uint64_t v;
    weft_status s = leb(r, 33, true, &v);
    *out = (int64_t)v;
    return s;
}

weft_status wr_u64(wr_reader *r, uint64_t *out) { return leb(r, 64, false, out); }

weft_status wr_s64(wr_reader *r, int64_t *out)
{
    uint64_t v;
    weft_status s = leb(r, 64, true, &v);
    *out = (int64_t)v;
    return s;
}
