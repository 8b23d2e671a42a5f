/* image.c - writing and loading precompiled module images.
 *
 * Layout (all integers little-endian), shared with component images:
 *   header, 48 bytes:
 *     0  magic 89 57 46 54 0d 0a 1a 0a  ("\x89WFT\r\n\x1a\n")
 *     8  u32 format version            12 u32 weft version (maj<<16|min<<8|patch)
 *    16  u8 word size (0: any), u8 byte order (1 = little), u8 kind (0 = module), u8 0
 *    20  u32 configuration stamp       24 u32 hash of the opcode table
 *    28  u32 section count             32 u64 total length
 *    40  u32 CRC-32 of the image with this field zero, 44 u32 0
 *   section table at 48: {u32 id, u32 size} per present section, ids rising
 *   sections in the order of the table, each at the next 8-byte aligned
 *   offset; the image ends at the first 8-byte boundary past the last.
 *
 * Module sections (an empty code or pool section is left out):
 *   1 meta  a number stream: the counts, then every table (below)
 *   2 code  the internal code, u16 units, used in place
 *   3 pool  names, constant expressions and data bytes, used in place
 * A number stream holds u32 values, each as the unsigned LEB128 of
 * value + 1 (mod 2^32), so that 0xFFFFFFFF (none) and small values take
 * one byte; a u64 is two values, low half first. The meta stream:
 *   counts   ntypes nvaltypes nimports nfuncs nimported_funcs ntables
 *            nimported_tables nmems nimported_mems nglobals nimported_globals
 *            ntags nimported_tags nexports nelems ndatas ncatches nhandlers
 *            start (0xFFFFFFFF: none)
 *   valtypes kind
 *   types    nparams nresults params results canon (params, results:
 *            indices of the value types)
 *   tags     type
 *   funcs    type, code_off minus the end of the previous record's code
 *            (mod 2^32), code_len, param slots, local slots, result slots,
 *            frame slots
 *   tables   elem | has_max << 8, min (u64), max (u64), init_off, init_len
 *   mems     page_log2 | is64 << 8 | has_max << 9, min (u64), max (u64)
 *   globals  type | mutable << 8, init_off, init_len
 *   imports  module_off module_len name_off name_len kind index
 *   exports  name_off name_len kind index
 *   elems    mode | type << 8 | exprs << 16, table, offset_off, offset_len,
 *            count, then count items (function indices, or pool offsets of
 *            expressions)
 *   datas    mode memory offset_off offset_len bytes_off bytes_len
 *   catches  kind | dst << 16, tag, pad
 *   handlers start end first_catch ncatches
 * Code offsets and lengths are in u16 units, pool ones in bytes. Only the
 * code and the pool are used where the image lies; the loader rebuilds the
 * tables in RAM. */
#include "image/image_int.h"

enum { SEC_META = 1, SEC_CODE, SEC_POOL, SEC_COUNT_ };

/* The least number of stream values of one record of each table. */
enum {
    MIN_VALTYPE = 1, MIN_TYPE = 5, MIN_TAG = 1, MIN_FUNC = 7, MIN_TABLE = 7, MIN_MEM = 5,
    MIN_GLOBAL = 3, MIN_IMPORT = 6, MIN_EXPORT = 4, MIN_ELEM = 5, MIN_DATA = 6, MIN_CATCH = 3,
    MIN_HANDLER = 4
};

static const uint8_t image_magic[8] = {0x89, 'W', 'F', 'T', '\r', '\n', 0x1a, '\n'};

/* ---------------------------------------------------------------- */
/* Shared helpers                                                    */
/* ---------------------------------------------------------------- */

#if WEFT_OPTIMIZE_SIZE
/* CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), four bits per
 * step from a 16-entry table (the CRC of each nibble). */
uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
    static const uint32_t t[16] = {
        0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4,
        0x4db26158, 0x5005713c, 0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
        0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
    };
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        crc = (crc >> 4) ^ t[crc & 15];
        crc = (crc >> 4) ^ t[crc & 15];
    }
    return ~crc;
}
#else
/* CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), four bytes per
 * step with four tables (t[k][b] is the CRC of byte b followed by k zero
 * bytes), then one byte per step for the tail. */
uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
    static const uint32_t t[4][256] = {
    {
        0x00000000, 0x77073096, 0xee0e612c, 0x990951ba, 0x076dc419, 0x706af48f,
        0xe963a535, 0x9e6495a3, 0x0edb8832, 0x79dcb8a4, 0xe0d5e91e, 0x97d2d988,
        0x09b64c2b, 0x7eb17cbd, 0xe7b82d07, 0x90bf1d91, 0x1db71064, 0x6ab020f2,
        0xf3b97148, 0x84be41de, 0x1adad47d, 0x6ddde4eb, 0xf4d4b551, 0x83d385c7,
        0x136c9856, 0x646ba8c0, 0xfd62f97a, 0x8a65c9ec, 0x14015c4f, 0x63066cd9,
        0xfa0f3d63, 0x8d080df5, 0x3b6e20c8, 0x4c69105e, 0xd56041e4, 0xa2677172,
        0x3c03e4d1, 0x4b04d447, 0xd20d85fd, 0xa50ab56b, 0x35b5a8fa, 0x42b2986c,
        0xdbbbc9d6, 0xacbcf940, 0x32d86ce3, 0x45df5c75, 0xdcd60dcf, 0xabd13d59,
        0x26d930ac, 0x51de003a, 0xc8d75180, 0xbfd06116, 0x21b4f4b5, 0x56b3c423,
        0xcfba9599, 0xb8bda50f, 0x2802b89e, 0x5f058808, 0xc60cd9b2, 0xb10be924,
        0x2f6f7c87, 0x58684c11, 0xc1611dab, 0xb6662d3d, 0x76dc4190, 0x01db7106,
        0x98d220bc, 0xefd5102a, 0x71b18589, 0x06b6b51f, 0x9fbfe4a5, 0xe8b8d433,
        0x7807c9a2, 0x0f00f934, 0x9609a88e, 0xe10e9818, 0x7f6a0dbb, 0x086d3d2d,
        0x91646c97, 0xe6635c01, 0x6b6b51f4, 0x1c6c6162, 0x856530d8, 0xf262004e,
        0x6c0695ed, 0x1b01a57b, 0x8208f4c1, 0xf50fc457, 0x65b0d9c6, 0x12b7e950,
        0x8bbeb8ea, 0xfcb9887c, 0x62dd1ddf, 0x15da2d49, 0x8cd37cf3, 0xfbd44c65,
        0x4db26158, 0x3ab551ce, 0xa3bc0074, 0xd4bb30e2, 0x4adfa541, 0x3dd895d7,
        0xa4d1c46d, 0xd3d6f4fb, 0x4369e96a, 0x346ed9fc, 0xad678846, 0xda60b8d0,
        0x44042d73, 0x33031de5, 0xaa0a4c5f, 0xdd0d7cc9, 0x5005713c, 0x270241aa,
        0xbe0b1010, 0xc90c2086, 0x5768b525, 0x206f85b3, 0xb966d409, 0xce61e49f,
        0x5edef90e, 0x29d9c998, 0xb0d09822, 0xc7d7a8b4, 0x59b33d17, 0x2eb40d81,
        0xb7bd5c3b, 0xc0ba6cad, 0xedb88320, 0x9abfb3b6, 0x03b6e20c, 0x74b1d29a,
        0xead54739, 0x9dd277af, 0x04db2615, 0x73dc1683, 0xe3630b12, 0x94643b84,
        0x0d6d6a3e, 0x7a6a5aa8, 0xe40ecf0b, 0x9309ff9d, 0x0a00ae27, 0x7d079eb1,
        0xf00f9344, 0x8708a3d2, 0x1e01f268, 0x6906c2fe, 0xf762575d, 0x806567cb,
        0x196c3671, 0x6e6b06e7, 0xfed41b76, 0x89d32be0, 0x10da7a5a, 0x67dd4acc,
        0xf9b9df6f, 0x8ebeeff9, 0x17b7be43, 0x60b08ed5, 0xd6d6a3e8, 0xa1d1937e,
        0x38d8c2c4, 0x4fdff252, 0xd1bb67f1, 0xa6bc5767, 0x3fb506dd, 0x48b2364b,
        0xd80d2bda, 0xaf0a1b4c, 0x36034af6, 0x41047a60, 0xdf60efc3, 0xa867df55,
        0x316e8eef, 0x4669be79, 0xcb61b38c, 0xbc66831a, 0x256fd2a0, 0x5268e236,
        0xcc0c7795, 0xbb0b4703, 0x220216b9, 0x5505262f, 0xc5ba3bbe, 0xb2bd0b28,
        0x2bb45a92, 0x5cb36a04, 0xc2d7ffa7, 0xb5d0cf31, 0x2cd99e8b, 0x5bdeae1d,
        0x9b64c2b0, 0xec63f226, 0x756aa39c, 0x026d930a, 0x9c0906a9, 0xeb0e363f,
        0x72076785, 0x05005713, 0x95bf4a82, 0xe2b87a14, 0x7bb12bae, 0x0cb61b38,
        0x92d28e9b, 0xe5d5be0d, 0x7cdcefb7, 0x0bdbdf21, 0x86d3d2d4, 0xf1d4e242,
        0x68ddb3f8, 0x1fda836e, 0x81be16cd, 0xf6b9265b, 0x6fb077e1, 0x18b74777,
        0x88085ae6, 0xff0f6a70, 0x66063bca, 0x11010b5c, 0x8f659eff, 0xf862ae69,
        0x616bffd3, 0x166ccf45, 0xa00ae278, 0xd70dd2ee, 0x4e048354, 0x3903b3c2,
        0xa7672661, 0xd06016f7, 0x4969474d, 0x3e6e77db, 0xaed16a4a, 0xd9d65adc,
        0x40df0b66, 0x37d83bf0, 0xa9bcae53, 0xdebb9ec5, 0x47b2cf7f, 0x30b5ffe9,
        0xbdbdf21c, 0xcabac28a, 0x53b39330, 0x24b4a3a6, 0xbad03605, 0xcdd70693,
        0x54de5729, 0x23d967bf, 0xb3667a2e, 0xc4614ab8, 0x5d681b02, 0x2a6f2b94,
        0xb40bbe37, 0xc30c8ea1, 0x5a05df1b, 0x2d02ef8d,
    },
    {
        0x00000000, 0x191b3141, 0x32366282, 0x2b2d53c3, 0x646cc504, 0x7d77f445,
        0x565aa786, 0x4f4196c7, 0xc8d98a08, 0xd1c2bb49, 0xfaefe88a, 0xe3f4d9cb,
        0xacb54f0c, 0xb5ae7e4d, 0x9e832d8e, 0x87981ccf, 0x4ac21251, 0x53d92310,
        0x78f470d3, 0x61ef4192, 0x2eaed755, 0x37b5e614, 0x1c98b5d7, 0x05838496,
        0x821b9859, 0x9b00a918, 0xb02dfadb, 0xa936cb9a, 0xe6775d5d, 0xff6c6c1c,
        0xd4413fdf, 0xcd5a0e9e, 0x958424a2, 0x8c9f15e3, 0xa7b24620, 0xbea97761,
        0xf1e8e1a6, 0xe8f3d0e7, 0xc3de8324, 0xdac5b265, 0x5d5daeaa, 0x44469feb,
        0x6f6bcc28, 0x7670fd69, 0x39316bae, 0x202a5aef, 0x0b07092c, 0x121c386d,
        0xdf4636f3, 0xc65d07b2, 0xed705471, 0xf46b6530, 0xbb2af3f7, 0xa231c2b6,
        0x891c9175, 0x9007a034, 0x179fbcfb, 0x0e848dba, 0x25a9de79, 0x3cb2ef38,
        0x73f379ff, 0x6ae848be, 0x41c51b7d, 0x58de2a3c, 0xf0794f05, 0xe9627e44,
        0xc24f2d87, 0xdb541cc6, 0x94158a01, 0x8d0ebb40, 0xa623e883, 0xbf38d9c2,
        0x38a0c50d, 0x21bbf44c, 0x0a96a78f, 0x138d96ce, 0x5ccc0009, 0x45d73148,
        0x6efa628b, 0x77e153ca, 0xbabb5d54, 0xa3a06c15, 0x888d3fd6, 0x91960e97,
        0xded79850, 0xc7cca911, 0xece1fad2, 0xf5facb93, 0x7262d75c, 0x6b79e61d,
        0x4054b5de, 0x594f849f, 0x160e1258, 0x0f152319, 0x243870da, 0x3d23419b,
        0x65fd6ba7, 0x7ce65ae6, 0x57cb0925, 0x4ed03864, 0x0191aea3, 0x188a9fe2,
        0x33a7cc21, 0x2abcfd60, 0xad24e1af, 0xb43fd0ee, 0x9f12832d, 0x8609b26c,
        0xc94824ab, 0xd05315ea, 0xfb7e4629, 0xe2657768, 0x2f3f79f6, 0x362448b7,
        0x1d091b74, 0x04122a35, 0x4b53bcf2, 0x52488db3, 0x7965de70, 0x607eef31,
        0xe7e6f3fe, 0xfefdc2bf, 0xd5d0917c, 0xcccba03d, 0x838a36fa, 0x9a9107bb,
        0xb1bc5478, 0xa8a76539, 0x3b83984b, 0x2298a90a, 0x09b5fac9, 0x10aecb88,
        0x5fef5d4f, 0x46f46c0e, 0x6dd93fcd, 0x74c20e8c, 0xf35a1243, 0xea412302,
        0xc16c70c1, 0xd8774180, 0x9736d747, 0x8e2de606, 0xa500b5c5, 0xbc1b8484,
        0x71418a1a, 0x685abb5b, 0x4377e898, 0x5a6cd9d9, 0x152d4f1e, 0x0c367e5f,
        0x271b2d9c, 0x3e001cdd, 0xb9980012, 0xa0833153, 0x8bae6290, 0x92b553d1,
        0xddf4c516, 0xc4eff457, 0xefc2a794, 0xf6d996d5, 0xae07bce9, 0xb71c8da8,
        0x9c31de6b, 0x852aef2a, 0xca6b79ed, 0xd37048ac, 0xf85d1b6f, 0xe1462a2e,
        0x66de36e1, 0x7fc507a0, 0x54e85463, 0x4df36522, 0x02b2f3e5, 0x1ba9c2a4,
        0x30849167, 0x299fa026, 0xe4c5aeb8, 0xfdde9ff9, 0xd6f3cc3a, 0xcfe8fd7b,
        0x80a96bbc, 0x99b25afd, 0xb29f093e, 0xab84387f, 0x2c1c24b0, 0x350715f1,
        0x1e2a4632, 0x07317773, 0x4870e1b4, 0x516bd0f5, 0x7a468336, 0x635db277,
        0xcbfad74e, 0xd2e1e60f, 0xf9ccb5cc, 0xe0d7848d, 0xaf96124a, 0xb68d230b,
        0x9da070c8, 0x84bb4189, 0x03235d46, 0x1a386c07, 0x31153fc4, 0x280e0e85,
        0x674f9842, 0x7e54a903, 0x5579fac0, 0x4c62cb81, 0x8138c51f, 0x9823f45e,
        0xb30ea79d, 0xaa1596dc, 0xe554001b, 0xfc4f315a, 0xd7626299, 0xce7953d8,
        0x49e14f17, 0x50fa7e56, 0x7bd72d95, 0x62cc1cd4, 0x2d8d8a13, 0x3496bb52,
        0x1fbbe891, 0x06a0d9d0, 0x5e7ef3ec, 0x4765c2ad, 0x6c48916e, 0x7553a02f,
        0x3a1236e8, 0x230907a9, 0x0824546a, 0x113f652b, 0x96a779e4, 0x8fbc48a5,
        0xa4911b66, 0xbd8a2a27, 0xf2cbbce0, 0xebd08da1, 0xc0fdde62, 0xd9e6ef23,
        0x14bce1bd, 0x0da7d0fc, 0x268a833f, 0x3f91b27e, 0x70d024b9, 0x69cb15f8,
        0x42e6463b, 0x5bfd777a, 0xdc656bb5, 0xc57e5af4, 0xee530937, 0xf7483876,
        0xb809aeb1, 0xa1129ff0, 0x8a3fcc33, 0x9324fd72,
    },
    {
        0x00000000, 0x01c26a37, 0x0384d46e, 0x0246be59, 0x0709a8dc, 0x06cbc2eb,
        0x048d7cb2, 0x054f1685, 0x0e1351b8, 0x0fd13b8f, 0x0d9785d6, 0x0c55efe1,
        0x091af964, 0x08d89353, 0x0a9e2d0a, 0x0b5c473d, 0x1c26a370, 0x1de4c947,
        0x1fa2771e, 0x1e601d29, 0x1b2f0bac, 0x1aed619b, 0x18abdfc2, 0x1969b5f5,
        0x1235f2c8, 0x13f798ff, 0x11b126a6, 0x10734c91, 0x153c5a14, 0x14fe3023,
        0x16b88e7a, 0x177ae44d, 0x384d46e0, 0x398f2cd7, 0x3bc9928e, 0x3a0bf8b9,
        0x3f44ee3c, 0x3e86840b, 0x3cc03a52, 0x3d025065, 0x365e1758, 0x379c7d6f,
        0x35dac336, 0x3418a901, 0x3157bf84, 0x3095d5b3, 0x32d36bea, 0x331101dd,
        0x246be590, 0x25a98fa7, 0x27ef31fe, 0x262d5bc9, 0x23624d4c, 0x22a0277b,
        0x20e69922, 0x2124f315, 0x2a78b428, 0x2bbade1f, 0x29fc6046, 0x283e0a71,
        0x2d711cf4, 0x2cb376c3, 0x2ef5c89a, 0x2f37a2ad, 0x709a8dc0, 0x7158e7f7,
        0x731e59ae, 0x72dc3399, 0x7793251c, 0x76514f2b, 0x7417f172, 0x75d59b45,
        0x7e89dc78, 0x7f4bb64f, 0x7d0d0816, 0x7ccf6221, 0x798074a4, 0x78421e93,
        0x7a04a0ca, 0x7bc6cafd, 0x6cbc2eb0, 0x6d7e4487, 0x6f38fade, 0x6efa90e9,
        0x6bb5866c, 0x6a77ec5b, 0x68315202, 0x69f33835, 0x62af7f08, 0x636d153f,
        0x612bab66, 0x60e9c151, 0x65a6d7d4, 0x6464bde3, 0x662203ba, 0x67e0698d,
        0x48d7cb20, 0x4915a117, 0x4b531f4e, 0x4a917579, 0x4fde63fc, 0x4e1c09cb,
        0x4c5ab792, 0x4d98dda5, 0x46c49a98, 0x4706f0af, 0x45404ef6, 0x448224c1,
        0x41cd3244, 0x400f5873, 0x4249e62a, 0x438b8c1d, 0x54f16850, 0x55330267,
        0x5775bc3e, 0x56b7d609, 0x53f8c08c, 0x523aaabb, 0x507c14e2, 0x51be7ed5,
        0x5ae239e8, 0x5b2053df, 0x5966ed86, 0x58a487b1, 0x5deb9134, 0x5c29fb03,
        0x5e6f455a, 0x5fad2f6d, 0xe1351b80, 0xe0f771b7, 0xe2b1cfee, 0xe373a5d9,
        0xe63cb35c, 0xe7fed96b, 0xe5b86732, 0xe47a0d05, 0xef264a38, 0xeee4200f,
        0xeca29e56, 0xed60f461, 0xe82fe2e4, 0xe9ed88d3, 0xebab368a, 0xea695cbd,
        0xfd13b8f0, 0xfcd1d2c7, 0xfe976c9e, 0xff5506a9, 0xfa1a102c, 0xfbd87a1b,
        0xf99ec442, 0xf85cae75, 0xf300e948, 0xf2c2837f, 0xf0843d26, 0xf1465711,
        0xf4094194, 0xf5cb2ba3, 0xf78d95fa, 0xf64fffcd, 0xd9785d60, 0xd8ba3757,
        0xdafc890e, 0xdb3ee339, 0xde71f5bc, 0xdfb39f8b, 0xddf521d2, 0xdc374be5,
        0xd76b0cd8, 0xd6a966ef, 0xd4efd8b6, 0xd52db281, 0xd062a404, 0xd1a0ce33,
        0xd3e6706a, 0xd2241a5d, 0xc55efe10, 0xc49c9427, 0xc6da2a7e, 0xc7184049,
        0xc25756cc, 0xc3953cfb, 0xc1d382a2, 0xc011e895, 0xcb4dafa8, 0xca8fc59f,
        0xc8c97bc6, 0xc90b11f1, 0xcc440774, 0xcd866d43, 0xcfc0d31a, 0xce02b92d,
        0x91af9640, 0x906dfc77, 0x922b422e, 0x93e92819, 0x96a63e9c, 0x976454ab,
        0x9522eaf2, 0x94e080c5, 0x9fbcc7f8, 0x9e7eadcf, 0x9c381396, 0x9dfa79a1,
        0x98b56f24, 0x99770513, 0x9b31bb4a, 0x9af3d17d, 0x8d893530, 0x8c4b5f07,
        0x8e0de15e, 0x8fcf8b69, 0x8a809dec, 0x8b42f7db, 0x89044982, 0x88c623b5,
        0x839a6488, 0x82580ebf, 0x801eb0e6, 0x81dcdad1, 0x8493cc54, 0x8551a663,
        0x8717183a, 0x86d5720d, 0xa9e2d0a0, 0xa820ba97, 0xaa6604ce, 0xaba46ef9,
        0xaeeb787c, 0xaf29124b, 0xad6fac12, 0xacadc625, 0xa7f18118, 0xa633eb2f,
        0xa4755576, 0xa5b73f41, 0xa0f829c4, 0xa13a43f3, 0xa37cfdaa, 0xa2be979d,
        0xb5c473d0, 0xb40619e7, 0xb640a7be, 0xb782cd89, 0xb2cddb0c, 0xb30fb13b,
        0xb1490f62, 0xb08b6555, 0xbbd72268, 0xba15485f, 0xb853f606, 0xb9919c31,
        0xbcde8ab4, 0xbd1ce083, 0xbf5a5eda, 0xbe9834ed,
    },
    {
        0x00000000, 0xb8bc6765, 0xaa09c88b, 0x12b5afee, 0x8f629757, 0x37def032,
        0x256b5fdc, 0x9dd738b9, 0xc5b428ef, 0x7d084f8a, 0x6fbde064, 0xd7018701,
        0x4ad6bfb8, 0xf26ad8dd, 0xe0df7733, 0x58631056, 0x5019579f, 0xe8a530fa,
        0xfa109f14, 0x42acf871, 0xdf7bc0c8, 0x67c7a7ad, 0x75720843, 0xcdce6f26,
        0x95ad7f70, 0x2d111815, 0x3fa4b7fb, 0x8718d09e, 0x1acfe827, 0xa2738f42,
        0xb0c620ac, 0x087a47c9, 0xa032af3e, 0x188ec85b, 0x0a3b67b5, 0xb28700d0,
        0x2f503869, 0x97ec5f0c, 0x8559f0e2, 0x3de59787, 0x658687d1, 0xdd3ae0b4,
        0xcf8f4f5a, 0x7733283f, 0xeae41086, 0x525877e3, 0x40edd80d, 0xf851bf68,
        0xf02bf8a1, 0x48979fc4, 0x5a22302a, 0xe29e574f, 0x7f496ff6, 0xc7f50893,
        0xd540a77d, 0x6dfcc018, 0x359fd04e, 0x8d23b72b, 0x9f9618c5, 0x272a7fa0,
        0xbafd4719, 0x0241207c, 0x10f48f92, 0xa848e8f7, 0x9b14583d, 0x23a83f58,
        0x311d90b6, 0x89a1f7d3, 0x1476cf6a, 0xaccaa80f, 0xbe7f07e1, 0x06c36084,
        0x5ea070d2, 0xe61c17b7, 0xf4a9b859, 0x4c15df3c, 0xd1c2e785, 0x697e80e0,
        0x7bcb2f0e, 0xc377486b, 0xcb0d0fa2, 0x73b168c7, 0x6104c729, 0xd9b8a04c,
        0x446f98f5, 0xfcd3ff90, 0xee66507e, 0x56da371b, 0x0eb9274d, 0xb6054028,
        0xa4b0efc6, 0x1c0c88a3, 0x81dbb01a, 0x3967d77f, 0x2bd27891, 0x936e1ff4,
        0x3b26f703, 0x839a9066, 0x912f3f88, 0x299358ed, 0xb4446054, 0x0cf80731,
        0x1e4da8df, 0xa6f1cfba, 0xfe92dfec, 0x462eb889, 0x549b1767, 0xec277002,
        0x71f048bb, 0xc94c2fde, 0xdbf98030, 0x6345e755, 0x6b3fa09c, 0xd383c7f9,
        0xc1366817, 0x798a0f72, 0xe45d37cb, 0x5ce150ae, 0x4e54ff40, 0xf6e89825,
        0xae8b8873, 0x1637ef16, 0x048240f8, 0xbc3e279d, 0x21e91f24, 0x99557841,
        0x8be0d7af, 0x335cb0ca, 0xed59b63b, 0x55e5d15e, 0x47507eb0, 0xffec19d5,
        0x623b216c, 0xda874609, 0xc832e9e7, 0x708e8e82, 0x28ed9ed4, 0x9051f9b1,
        0x82e4565f, 0x3a58313a, 0xa78f0983, 0x1f336ee6, 0x0d86c108, 0xb53aa66d,
        0xbd40e1a4, 0x05fc86c1, 0x1749292f, 0xaff54e4a, 0x322276f3, 0x8a9e1196,
        0x982bbe78, 0x2097d91d, 0x78f4c94b, 0xc048ae2e, 0xd2fd01c0, 0x6a4166a5,
        0xf7965e1c, 0x4f2a3979, 0x5d9f9697, 0xe523f1f2, 0x4d6b1905, 0xf5d77e60,
        0xe762d18e, 0x5fdeb6eb, 0xc2098e52, 0x7ab5e937, 0x680046d9, 0xd0bc21bc,
        0x88df31ea, 0x3063568f, 0x22d6f961, 0x9a6a9e04, 0x07bda6bd, 0xbf01c1d8,
        0xadb46e36, 0x15080953, 0x1d724e9a, 0xa5ce29ff, 0xb77b8611, 0x0fc7e174,
        0x9210d9cd, 0x2aacbea8, 0x38191146, 0x80a57623, 0xd8c66675, 0x607a0110,
        0x72cfaefe, 0xca73c99b, 0x57a4f122, 0xef189647, 0xfdad39a9, 0x45115ecc,
        0x764dee06, 0xcef18963, 0xdc44268d, 0x64f841e8, 0xf92f7951, 0x41931e34,
        0x5326b1da, 0xeb9ad6bf, 0xb3f9c6e9, 0x0b45a18c, 0x19f00e62, 0xa14c6907,
        0x3c9b51be, 0x842736db, 0x96929935, 0x2e2efe50, 0x2654b999, 0x9ee8defc,
        0x8c5d7112, 0x34e11677, 0xa9362ece, 0x118a49ab, 0x033fe645, 0xbb838120,
        0xe3e09176, 0x5b5cf613, 0x49e959fd, 0xf1553e98, 0x6c820621, 0xd43e6144,
        0xc68bceaa, 0x7e37a9cf, 0xd67f4138, 0x6ec3265d, 0x7c7689b3, 0xc4caeed6,
        0x591dd66f, 0xe1a1b10a, 0xf3141ee4, 0x4ba87981, 0x13cb69d7, 0xab770eb2,
        0xb9c2a15c, 0x017ec639, 0x9ca9fe80, 0x241599e5, 0x36a0360b, 0x8e1c516e,
        0x866616a7, 0x3eda71c2, 0x2c6fde2c, 0x94d3b949, 0x090481f0, 0xb1b8e695,
        0xa30d497b, 0x1bb12e1e, 0x43d23e48, 0xfb6e592d, 0xe9dbf6c3, 0x516791a6,
        0xccb0a91f, 0x740cce7a, 0x66b96194, 0xde0506f1,
    }
    };
    size_t i = 0;
    crc = ~crc;
    for (; i + 4 <= n; i += 4) {
        crc ^= (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 |
               (uint32_t)p[i + 3] << 24;
        crc = t[3][crc & 0xFF] ^ t[2][(crc >> 8) & 0xFF] ^ t[1][(crc >> 16) & 0xFF] ^
              t[0][crc >> 24];
    }
    for (; i < n; i++)
        crc = (crc >> 8) ^ t[0][(crc ^ p[i]) & 0xFF];
    return ~crc;
}
#endif

/* The CRC of an image, its checksum field counted as zero. */
uint32_t image_crc(const uint8_t *p, size_t len)
{
    static const uint8_t zero[4] = {0, 0, 0, 0};
    uint32_t c = crc32_update(0, p, 40);
    c = crc32_update(c, zero, 4);
    return crc32_update(c, p + 44, len - 44);
}

/* Options that change what an image contains or means. */
uint32_t config_stamp(const weft_engine *e)
{
    return (uint32_t)WEFT_FUEL | (e->cfg.features & 0xFFu) << 8;
}

uint32_t weft_version(void)
{
    return (uint32_t)WEFT_VERSION_MAJOR << 16 | (uint32_t)WEFT_VERSION_MINOR << 8 |
           (uint32_t)WEFT_VERSION_PATCH;
}

bool weft_is_image(const uint8_t *bytes, size_t len)
{
    return len >= 8 && memcmp(bytes, image_magic, 8) == 0;
}

bool weft_image_is_component(const uint8_t *bytes, size_t len)
{
    return weft_is_image(bytes, len) && len > 18 && bytes[18] == IMG_KIND_COMPONENT;
}

void weft_image_free(weft_engine *engine, uint8_t *image, size_t len)
{
    wu_free(engine, image, len);
}

/* ---------------------------------------------------------------- */
/* Writer                                                            */
/* ---------------------------------------------------------------- */

void put(obuf *b, const void *src, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 4096;
        while (nc < b->len + n)
            nc *= 2;
        uint8_t *q = wu_realloc(b->e, b->p, b->cap, nc);
        if (!q) {
            b->oom = true;
            return;
        }
        memset(q + b->cap, 0, nc - b->cap);
        b->p = q;
        b->cap = nc;
    }
    if (n)
        memcpy(b->p + b->len, src, n);
    b->len += n;
}

void put8(obuf *b, uint8_t v) { put(b, &v, 1); }

void put16(obuf *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    put(b, x, 2);
}

void put32(obuf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(b, x, 4);
}

void put64(obuf *b, uint64_t v)
{
    put32(b, (uint32_t)v);
    put32(b, (uint32_t)(v >> 32));
}

void align8(obuf *b)
{
    static const uint8_t z[8] = {0};
    put(b, z, (8 - (b->len & 7)) & 7);
}

void set32(obuf *b, size_t at, uint32_t v)
{
    if (b->oom)
        return;
    b->p[at] = (uint8_t)v;
    b->p[at + 1] = (uint8_t)(v >> 8);
    b->p[at + 2] = (uint8_t)(v >> 16);
    b->p[at + 3] = (uint8_t)(v >> 24);
}

void put_num(obuf *b, uint32_t v)
{
    uint8_t t[5];
    size_t n = 0;
    v += 1u;
    do {
        t[n] = (uint8_t)(v & 0x7Fu);
        v >>= 7;
        if (v)
            t[n] |= 0x80u;
        n++;
    } while (v);
    put(b, t, n);
}

void put_num64(obuf *b, uint64_t v)
{
    put_num(b, (uint32_t)v);
    put_num(b, (uint32_t)(v >> 32));
}

weft_status img_write(const weft_engine *e, uint8_t kind, const img_sec *secs, unsigned n,
                      uint8_t **out, size_t *len, weft_error *err)
{
    uint32_t nsec = 0;
    size_t total = HDR_SIZE;
    for (unsigned i = 0; i < n; i++)
        if (secs[i].len) {
            nsec++;
            total += 8;
        }
    for (unsigned i = 0; i < n; i++)
        if (secs[i].len)
            total = ((total + 7) & ~(size_t)7) + secs[i].len;
    total = (total + 7) & ~(size_t)7;
    if (total > 0xFFFFFFF0u)
        return wu_error(err, WEFT_LIMIT, WEFT_NO_OFFSET, "image too large");
    obuf b = {e, wu_alloc(e, total), total, total, false};   /* zeroed */
    if (!b.p)
        return wu_error(err, WEFT_NOMEM, WEFT_NO_OFFSET, "out of memory writing an image");
    memcpy(b.p, image_magic, 8);
    set32(&b, 8, WEFT_IMAGE_FORMAT);
    set32(&b, 12, weft_version());
    b.p[16] = 0; /* the word size the image needs: any (nothing depends on it) */
    b.p[17] = 1;
    b.p[18] = kind;
    set32(&b, 20, config_stamp(e));
    set32(&b, 24, e->code_hash);
    set32(&b, 28, nsec);
    set32(&b, 32, (uint32_t)total);
    size_t ent = HDR_SIZE, at = HDR_SIZE + (size_t)nsec * 8;
    for (unsigned i = 0; i < n; i++) {
        if (!secs[i].len)
            continue;
        set32(&b, ent, secs[i].id);
        set32(&b, ent + 4, (uint32_t)secs[i].len);
        ent += 8;
        at = (at + 7) & ~(size_t)7;
        memcpy(b.p + at, secs[i].p, secs[i].len);
        at += secs[i].len;
    }
    set32(&b, 40, image_crc(b.p, total));
    *out = b.p;
    *len = total;
    return WEFT_OK;
}

static uint32_t pool_off(const weft_module *m, const char *p)
{
    return (uint32_t)((const uint8_t *)p - m->pool);
}

weft_status weft_module_serialize(const weft_module *m, uint8_t **out, size_t *len,
                                  weft_error *err)
{
    wu_error_clear(err);
    if (!m || !out || !len)
        return wu_error(err, WEFT_ARG, WEFT_NO_OFFSET, "NULL argument");
    *out = NULL;
    *len = 0;
    const weft_engine *e = m->engine;
    obuf s = {e, NULL, 0, 0, false}, c = {e, NULL, 0, 0, false};

    const uint32_t counts[] = {
        m->ntypes, m->nvaltypes, m->nimports, m->nfuncs, m->nimported_funcs,
        m->ntables, m->nimported_tables, m->nmems, m->nimported_mems,
        m->nglobals, m->nimported_globals, m->ntags, m->nimported_tags,
        m->nexports, m->nelems, m->ndatas, m->ncatches, m->nhandlers, m->start,
    };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        put_num(&s, counts[i]);
    for (uint32_t i = 0; i < m->nvaltypes; i++)
        put_num(&s, (uint32_t)m->valtypes[i]);
    for (uint32_t i = 0; i < m->ntypes; i++) {
        const weft_functype *t = &m->types[i];
        put_num(&s, t->nparams);
        put_num(&s, t->nresults);
        put_num(&s, t->nparams ? (uint32_t)(t->params - m->valtypes) : 0);
        put_num(&s, t->nresults ? (uint32_t)(t->results - m->valtypes) : 0);
        put_num(&s, m->type_canon[i]);
    }
    for (uint32_t i = 0; i < m->ntags; i++)
        put_num(&s, m->tags[i].type);
    uint32_t prev_end = 0;
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        const wm_func *f = &m->funcs[i];
        put_num(&s, f->type);
        put_num(&s, f->code_off - prev_end);
        put_num(&s, f->code_len);
        put_num(&s, f->nparam_slots);
        put_num(&s, f->nlocal_slots);
        put_num(&s, f->nresult_slots);
        put_num(&s, f->frame_slots);
        prev_end = f->code_off + f->code_len;
    }
    for (uint32_t i = 0; i < m->ntables; i++) {
        const wm_table *t = &m->tables[i];
        put_num(&s, t->elem | (uint32_t)t->limits.has_max << 8);
        put_num64(&s, t->limits.min);
        put_num64(&s, t->limits.max);
        put_num(&s, t->init_off);
        put_num(&s, t->init_len);
    }
    for (uint32_t i = 0; i < m->nmems; i++) {
        const wm_memory *mm = &m->mems[i];
        put_num(&s, mm->page_log2 | (uint32_t)mm->is64 << 8 | (uint32_t)mm->limits.has_max << 9);
        put_num64(&s, mm->limits.min);
        put_num64(&s, mm->limits.max);
    }
    for (uint32_t i = 0; i < m->nglobals; i++) {
        const wm_global *g = &m->globals[i];
        put_num(&s, g->type | (uint32_t)g->mutable_ << 8);
        put_num(&s, g->init_off);
        put_num(&s, g->init_len);
    }
    for (uint32_t i = 0; i < m->nimports; i++) {
        const wm_import *im = &m->imports[i];
        put_num(&s, pool_off(m, im->module));
        put_num(&s, im->module_len);
        put_num(&s, pool_off(m, im->name));
        put_num(&s, im->name_len);
        put_num(&s, im->kind);
        put_num(&s, im->index);
    }
    for (uint32_t i = 0; i < m->nexports; i++) {
        const wm_export *ex = &m->exports[i];
        put_num(&s, pool_off(m, ex->name));
        put_num(&s, ex->name_len);
        put_num(&s, ex->kind);
        put_num(&s, ex->index);
    }
    for (uint32_t i = 0; i < m->nelems; i++) {
        const wm_elem *el = &m->elems[i];
        put_num(&s, el->mode | (uint32_t)el->type << 8 | (uint32_t)el->exprs << 16);
        put_num(&s, el->table);
        put_num(&s, el->offset_off);
        put_num(&s, el->offset_len);
        put_num(&s, el->count);
        for (uint32_t k = 0; k < el->count; k++)
            put_num(&s, el->items[k]);
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const wm_data *ds = &m->datas[i];
        put_num(&s, ds->mode);
        put_num(&s, ds->memory);
        put_num(&s, ds->offset_off);
        put_num(&s, ds->offset_len);
        put_num(&s, ds->bytes_off);
        put_num(&s, ds->bytes_len);
    }
    for (uint32_t i = 0; i < m->ncatches; i++) {
        const wm_catch *k = &m->catches[i];
        put_num(&s, k->kind | (uint32_t)k->dst << 16);
        put_num(&s, k->tag);
        put_num(&s, k->pad);
    }
    for (uint32_t i = 0; i < m->nhandlers; i++) {
        const wm_handler *h = &m->handlers[i];
        put_num(&s, h->start);
        put_num(&s, h->end);
        put_num(&s, h->first_catch);
        put_num(&s, h->ncatches);
    }
    for (uint32_t i = 0; i < m->code_len; i++)
        put16(&c, m->code[i]);

    weft_status st;
    if (s.oom || c.oom) {
        st = wu_error(err, WEFT_NOMEM, WEFT_NO_OFFSET, "out of memory writing an image");
    } else {
        const img_sec secs[] = {
            {SEC_META, s.p, s.len}, {SEC_CODE, c.p, c.len}, {SEC_POOL, m->pool, m->pool_len},
        };
        st = img_write(e, IMG_KIND_MODULE, secs, 3, out, len, err);
    }
    wu_free(e, s.p, s.cap);
    wu_free(e, c.p, c.cap);
    return st;
}

/* ---------------------------------------------------------------- */
/* Loader                                                            */
/* ---------------------------------------------------------------- */

uint32_t img_num(const uint8_t *p, size_t *pos, size_t end, bool *bad)
{
    uint32_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
        if (*bad || *pos >= end) {
            *bad = true;
            return 0;
        }
        uint8_t b = p[(*pos)++];
        if (shift == 28 && (b & 0xF0u)) {   /* past 32 bits */
            *bad = true;
            return 0;
        }
        v |= (uint32_t)(b & 0x7Fu) << shift;
        if (!(b & 0x80u))
            break;
    }
    return v - 1u;
}

static weft_status refuse(weft_error *err, size_t at, const char *fmt, const char *a,
                          const char *b)
{
    return wu_error(err, WEFT_MALFORMED, at, fmt, a, b);
}

weft_status img_check(const weft_engine *engine, const uint8_t *img, size_t len, uint8_t kind,
                      uint32_t max_id, uint32_t *offs, uint32_t *sizes, bool verify_crc,
                      weft_error *err)
{
    char e[40], g[40];
    if (((uintptr_t)img & 7) != 0)
        return wu_error(err, WEFT_ARG, 0, "image buffer must be aligned to 8 bytes");
    if (len < HDR_SIZE)
        return wu_error(err, WEFT_MALFORMED, 0, "image too short: expected at least %u bytes, got %zu",
                        HDR_SIZE, len);
    if (memcmp(img, image_magic, 8) != 0) {
        if (memcmp(img + 1, image_magic + 1, 3) == 0)
            return refuse(err, 0, "image magic damaged (%s%s): was it copied as text?",
                          "line endings or the EOF byte were changed", "");
        return refuse(err, 0, "not a weft image: %s%s", "bad magic", "");
    }
    if (rd32(img + 8) != WEFT_IMAGE_FORMAT) {
        wu_fmt(e, sizeof e, "%u", WEFT_IMAGE_FORMAT);
        wu_fmt(g, sizeof g, "%u", rd32(img + 8));
        return refuse(err, 8, "image format: expected version %s, got %s", e, g);
    }
    if (rd32(img + 12) != weft_version()) {
        uint32_t v = rd32(img + 12);
        wu_fmt(e, sizeof e, "%s", WEFT_VERSION_STRING);
        wu_fmt(g, sizeof g, "%u.%u.%u", v >> 16, (v >> 8) & 255, v & 255);
        return refuse(err, 12, "image made by another weft: expected weft %s, got %s", e, g);
    }
    if (img[16] != 0 && img[16] != sizeof(void *)) {
        wu_fmt(e, sizeof e, "0 (any) or %u", (unsigned)sizeof(void *));
        wu_fmt(g, sizeof g, "%u", img[16]);
        return refuse(err, 16, "image word size: expected %s bytes, got %s", e, g);
    }
    if (img[17] != 1)
        return refuse(err, 17, "image byte order: expected %s, got %s", "little-endian", "big-endian");
    if (img[18] != kind)
        return refuse(err, 18, "image kind: expected %s, got %s",
                      kind == IMG_KIND_MODULE ? "a module" : "a component",
                      img[18] == IMG_KIND_MODULE ? "a module" : img[18] == IMG_KIND_COMPONENT
                                                                  ? "a component" : "something else");
    if (rd32(img + 20) != config_stamp(engine)) {
        wu_fmt(e, sizeof e, "0x%x", config_stamp(engine));
        wu_fmt(g, sizeof g, "0x%x", rd32(img + 20));
        return refuse(err, 20, "image configuration (fuel, features): expected %s, got %s", e, g);
    }
    if (rd32(img + 24) != engine->code_hash) {
        wu_fmt(e, sizeof e, "0x%x", engine->code_hash);
        wu_fmt(g, sizeof g, "0x%x", rd32(img + 24));
        return refuse(err, 24, "image code format (opcode table): expected %s, got %s", e, g);
    }
    if (rd64(img + 32) != len) {
        wu_fmt(e, sizeof e, "%llu", (unsigned long long)rd64(img + 32));
        wu_fmt(g, sizeof g, "%zu", len);
        return refuse(err, 32, "image length: expected %s bytes, got %s (truncated or padded?)", e, g);
    }
    uint32_t crc = verify_crc ? image_crc(img, len) : rd32(img + 40);
    if (rd32(img + 40) != crc) {
        wu_fmt(e, sizeof e, "0x%x", rd32(img + 40));
        wu_fmt(g, sizeof g, "0x%x", crc);
        return refuse(err, 40, "image checksum: expected %s, got %s (the image is damaged)", e, g);
    }
    uint32_t nsec = rd32(img + 28);
    if (nsec > max_id || HDR_SIZE + (size_t)nsec * 8 > len) {
        wu_fmt(e, sizeof e, "%u", max_id);
        wu_fmt(g, sizeof g, "%u", nsec);
        return refuse(err, 28, "image section count: expected at most %s, got %s", e, g);
    }
    for (uint32_t id = 0; id <= max_id; id++)
        offs[id] = sizes[id] = 0;
    /* each section starts at the first 8-byte boundary past the one before */
    size_t at = HDR_SIZE + (size_t)nsec * 8;
    uint32_t last = 0;
    for (uint32_t i = 0; i < nsec; i++) {
        const uint8_t *ent = img + HDR_SIZE + i * 8;
        uint32_t id = rd32(ent), size = rd32(ent + 4);
        at = (at + 7) & ~(size_t)7;
        if (id <= last || id > max_id || size == 0 || at > len || size > len - at)
            return refuse(err, HDR_SIZE + i * 8,
                          "image section table entry %s%s (id out of order or size out of bounds)",
                          "is invalid", "");
        offs[id] = (uint32_t)at;
        sizes[id] = size;
        at += size;
        last = id;
    }
    if (((at + 7) & ~(size_t)7) != len) {
        wu_fmt(e, sizeof e, "%zu", (at + 7) & ~(size_t)7);
        wu_fmt(g, sizeof g, "%zu", len);
        return refuse(err, 28, "image sections: expected them to end at byte %s, the image has %s",
                      e, g);
    }
    return WEFT_OK;
}

/* ---------------------------------------------------------------- */
/* Module loader                                                     */
/* ---------------------------------------------------------------- */

/* The meta stream. */
typedef struct mr {
    const uint8_t *p;
    size_t pos, end;
    bool bad;
} mr;

static uint32_t num(mr *r) { return img_num(r->p, &r->pos, r->end, &r->bad); }

static uint64_t num64(mr *r)
{
    uint64_t lo = num(r);
    return lo | (uint64_t)num(r) << 32;
}

static bool in_pool(const weft_module *m, uint64_t off, uint64_t len)
{
    return off <= m->pool_len && len <= m->pool_len - off;
}

/* A constant expression in the pool at off, within len bytes (or up to
 * the end of the pool when len is UINT32_MAX, for element items, which
 * have no stored length): only the instructions instantiation evaluates,
 * at most 64 values deep, global.get below nglob, ref.func below the
 * function count, ending with `end` at exactly off + len. */
static bool const_ok(const weft_module *m, uint32_t off, uint32_t len, uint32_t nglob)
{
    uint32_t end = len == UINT32_MAX ? m->pool_len : off + len;
    wr_reader r = {m->pool, off, end, NULL};
    uint32_t depth = 0;
    if (off >= end)
        return false;
    for (;;) {
        uint8_t op;
        if (wr_byte(&r, &op))
            return false;
        switch (op) {
        case 0x0B:
            return depth == 1 && (len == UINT32_MAX || r.pos == end);
        case 0x41: { int32_t v; if (wr_s32(&r, &v)) return false; depth++; break; }
        case 0x42: { int64_t v; if (wr_s64(&r, &v)) return false; depth++; break; }
        case 0x43: case 0x44: {
            size_t n = op == 0x43 ? 4 : 8;
            if (end - r.pos < n)
                return false;
            r.pos += n;
            depth++;
            break;
        }
        case 0xD0: { uint8_t t; if (wr_byte(&r, &t)) return false; depth++; break; }
        case 0xD2: case 0x23: {
            uint32_t x;
            if (wr_u32(&r, &x) || x >= (op == 0xD2 ? m->nfuncs : nglob))
                return false;
            depth++;
            break;
        }
        case 0x6A: case 0x6B: case 0x6C: case 0x7C: case 0x7D: case 0x7E:
            if (depth < 2)
                return false;
            depth--;
            break;
        default:
            return false;
        }
        if (depth > 64)
            return false;
    }
}

/* A name in the pool: in range and NUL-terminated right after. */
static bool pool_name(const weft_module *m, uint32_t off, uint32_t len)
{
    return in_pool(m, off, (uint64_t)len + 1) && m->pool[off + len] == 0;
}

/* The limit of an import's or export's index: the size of its kind's
 * index space (kind below 5). */
static uint32_t space_size(const weft_module *m, uint32_t kind)
{
    return kind == 0 ? m->nfuncs : kind == 1 ? m->ntables : kind == 2 ? m->nmems
         : kind == 3 ? m->nglobals : m->ntags;
}

/* Reads the catch and handler records into m and checks them: every
 * handler lies within one function, its clauses are in the catch table,
 * their tags exist, their pads lie in that function and the values the
 * unwinder writes fit in its frame. */
static bool load_handlers(weft_module *m, mr *r)
{
    for (uint32_t i = 0; i < m->ncatches; i++) {
        wm_catch *k = &m->catches[i];
        uint32_t kd = num(r);
        k->kind = (uint8_t)kd;
        k->dst = (uint16_t)(kd >> 16);
        k->tag = num(r);
        k->pad = num(r);
        if (r->bad || (kd & 0xFF00u) || k->kind > WM_CATCH_ALL_REF ||
            (k->kind <= WM_CATCH_REF && k->tag >= m->ntags))
            return false;
    }
    for (uint32_t i = 0; i < m->nhandlers; i++) {
        wm_handler *h = &m->handlers[i];
        h->start = num(r);
        h->end = num(r);
        h->first_catch = num(r);
        h->ncatches = num(r);
        if (r->bad || h->start >= h->end || (uint64_t)h->first_catch + h->ncatches > m->ncatches)
            return false;
        const wm_func *f = NULL;
        for (uint32_t j = m->nimported_funcs; j < m->nfuncs && !f; j++)
            if (h->start >= m->funcs[j].code_off &&
                h->end <= m->funcs[j].code_off + m->funcs[j].code_len)
                f = &m->funcs[j];
        if (!f)
            return false;
        for (uint32_t j = 0; j < h->ncatches; j++) {
            const wm_catch *k = &m->catches[h->first_catch + j];
            uint64_t n = k->kind == WM_CATCH_REF || k->kind == WM_CATCH_ALL_REF ? 1 : 0;
            if (k->kind <= WM_CATCH_REF) {
                const weft_functype *ft = &m->types[m->tags[k->tag].type];
                for (uint32_t p = 0; p < ft->nparams; p++)
                    n += wm_slots_of((uint8_t)ft->params[p]);
            }
            if (k->pad < f->code_off || k->pad >= f->code_off + f->code_len ||
                k->dst + n > f->frame_slots)
                return false;
        }
    }
    return true;
}

weft_status weft_module_from_image(weft_engine *engine, const uint8_t *img, size_t len,
                                   weft_module **out, weft_error *err)
{
    return img_load_module(engine, img, len, true, out, err);
}

weft_status img_load_module(weft_engine *engine, const uint8_t *img, size_t len, bool verify_crc,
                            weft_module **out, weft_error *err)
{
    wu_error_clear(err);
    if (!out)
        return wu_error(err, WEFT_ARG, WEFT_NO_OFFSET, "out is NULL");
    *out = NULL;
    if (!engine || !img)
        return wu_error(err, WEFT_ARG, WEFT_NO_OFFSET, "engine or image is NULL");
    uint32_t off[SEC_COUNT_], size[SEC_COUNT_];
    weft_status st = img_check(engine, img, len, IMG_KIND_MODULE, SEC_COUNT_ - 1, off, size,
                               verify_crc, err);
    if (st)
        return st;
    if (size[SEC_META] == 0)
        return refuse(err, HDR_SIZE, "image has no %s section%s", "meta", "");
    if (size[SEC_CODE] % 2) {
        char g[24];
        wu_fmt(g, sizeof g, "%u", size[SEC_CODE]);
        return refuse(err, HDR_SIZE, "image code section: expected %s, got %s bytes",
                      "an even size", g);
    }
    weft_module *m = wu_alloc(engine, sizeof *m);
    if (!m)
        return wu_error(err, WEFT_NOMEM, 0, "out of memory");
    m->engine = engine;
    /* the pool and the code are used in place */
    m->pool = (uint8_t *)(uintptr_t)(img + off[SEC_POOL]);
    m->pool_len = size[SEC_POOL];
    m->code = (uint16_t *)(uintptr_t)(img + off[SEC_CODE]);
    m->code_len = size[SEC_CODE] / 2;

    mr r = {img + off[SEC_META], 0, size[SEC_META], false};
    const char *bad = NULL;
    uint8_t *marks = NULL;
    /* counts */
    m->ntypes = num(&r);
    m->nvaltypes = num(&r);
    m->nimports = num(&r);
    m->nfuncs = num(&r);
    m->nimported_funcs = num(&r);
    m->ntables = num(&r);
    m->nimported_tables = num(&r);
    m->nmems = num(&r);
    m->nimported_mems = num(&r);
    m->nglobals = num(&r);
    m->nimported_globals = num(&r);
    m->ntags = num(&r);
    m->nimported_tags = num(&r);
    m->nexports = num(&r);
    m->nelems = num(&r);
    m->ndatas = num(&r);
    m->ncatches = num(&r);
    m->nhandlers = num(&r);
    m->start = num(&r);
    if (r.bad) {
        bad = "meta section (its counts cut short or past 32 bits)";
        goto bad;
    }
    {
        /* every record takes at least a byte per value */
        uint64_t need = (uint64_t)m->nvaltypes * MIN_VALTYPE + (uint64_t)m->ntypes * MIN_TYPE +
                        (uint64_t)m->ntags * MIN_TAG + (uint64_t)m->nfuncs * MIN_FUNC +
                        (uint64_t)m->ntables * MIN_TABLE + (uint64_t)m->nmems * MIN_MEM +
                        (uint64_t)m->nglobals * MIN_GLOBAL + (uint64_t)m->nimports * MIN_IMPORT +
                        (uint64_t)m->nexports * MIN_EXPORT + (uint64_t)m->nelems * MIN_ELEM +
                        (uint64_t)m->ndatas * MIN_DATA + (uint64_t)m->ncatches * MIN_CATCH +
                        (uint64_t)m->nhandlers * MIN_HANDLER;
        if (need > r.end - r.pos) {
            char e[24], g[24];
            wu_fmt(e, sizeof e, "%llu", (unsigned long long)need);
            wu_fmt(g, sizeof g, "%zu", r.end - r.pos);
            st = wu_error(err, WEFT_MALFORMED, off[SEC_META],
                          "image meta section: the record counts (types, functions, ...) "
                          "need at least %s bytes, %s are left", e, g);
            goto fail;
        }
    }
    if (m->nimported_funcs > m->nfuncs || m->nimported_tables > m->ntables ||
        m->nimported_mems > m->nmems || m->nimported_globals > m->nglobals ||
        m->nimported_tags > m->ntags ||
        (m->start != UINT32_MAX && m->start >= m->nfuncs)) {
        bad = "index space counts";
        goto bad;
    }

    m->valtypes = WU_NEW_ARRAY(engine, weft_valkind, m->nvaltypes + 1);
    m->types = WU_NEW_ARRAY(engine, weft_functype, m->ntypes + 1);
    m->type_canon = WU_NEW_ARRAY(engine, uint32_t, m->ntypes + 1);
    m->funcs = WU_NEW_ARRAY(engine, wm_func, m->nfuncs + 1);
    m->tables = WU_NEW_ARRAY(engine, wm_table, m->ntables + 1);
    m->mems = WU_NEW_ARRAY(engine, wm_memory, m->nmems + 1);
    m->globals = WU_NEW_ARRAY(engine, wm_global, m->nglobals + 1);
    m->imports = WU_NEW_ARRAY(engine, wm_import, m->nimports + 1);
    m->exports = WU_NEW_ARRAY(engine, wm_export, m->nexports + 1);
    m->elems = WU_NEW_ARRAY(engine, wm_elem, m->nelems + 1);
    m->datas = WU_NEW_ARRAY(engine, wm_data, m->ndatas + 1);
    m->tags = WU_NEW_ARRAY(engine, wm_tag, m->ntags + 1);
    m->handlers = WU_NEW_ARRAY(engine, wm_handler, m->nhandlers + 1);
    m->catches = WU_NEW_ARRAY(engine, wm_catch, m->ncatches + 1);
    marks = wu_alloc_raw(engine, (size_t)m->code_len + 1);
    if (!m->valtypes || !m->types || !m->type_canon || !m->funcs || !m->tables || !m->mems ||
        !m->globals || !m->imports || !m->exports || !m->elems || !m->datas || !m->tags ||
        !m->handlers || !m->catches || !marks)
        goto nomem;

    /* value types and function types */
    for (uint32_t i = 0; i < m->nvaltypes; i++) {
        uint32_t v = num(&r);
        if (r.bad || v > WEFT_EXNREF || v == WEFT_V128) {
            bad = "value type";
            goto bad;
        }
        m->valtypes[i] = (weft_valkind)v;
    }
    for (uint32_t i = 0; i < m->ntypes; i++) {
        uint32_t np = num(&r), nr = num(&r), po = num(&r), ro = num(&r);
        m->type_canon[i] = num(&r);
        if (r.bad || (uint64_t)po + np > m->nvaltypes || (uint64_t)ro + nr > m->nvaltypes ||
            m->type_canon[i] > i) {
            bad = "function type";
            goto bad;
        }
        m->types[i].nparams = np;
        m->types[i].nresults = nr;
        m->types[i].params = m->valtypes + po;
        m->types[i].results = m->valtypes + ro;
    }
    for (uint32_t i = 0; i < m->ntags; i++) {
        m->tags[i].type = num(&r);
        if (r.bad || m->tags[i].type >= m->ntypes || m->types[m->tags[i].type].nresults) {
            bad = "tag";
            goto bad;
        }
    }
    /* functions and their code */
    uint32_t prev_end = 0;
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        wm_func *f = &m->funcs[i];
        f->type = num(&r);
        f->code_off = prev_end + num(&r);
        f->code_len = num(&r);
        uint32_t ps = num(&r), ls = num(&r), rs = num(&r), fs = num(&r);
        prev_end = f->code_off + f->code_len;
        if (r.bad || f->type >= m->ntypes) {
            bad = "function type index";
            goto bad;
        }
        if ((ps | ls | rs | fs) > 0xFFFFu) {
            bad = "function layout";
            goto bad;
        }
        f->nparam_slots = (uint16_t)ps;
        f->nlocal_slots = (uint16_t)ls;
        f->nresult_slots = (uint16_t)rs;
        f->frame_slots = (uint16_t)fs;
        if (i < m->nimported_funcs)
            continue;
        if ((uint64_t)f->code_off + f->code_len > m->code_len || f->code_len == 0 ||
            f->nparam_slots > f->nlocal_slots || f->nlocal_slots > f->frame_slots ||
            f->nresult_slots > f->frame_slots) {
            bad = "function layout";
            goto bad;
        }
        /* the code: whole instructions, operands inside the frame, the
         * function and the module's index spaces */
        uint32_t at;
        const char *why = wm_check_code(m, m->code, f->code_off, f->code_off + f->code_len,
                                        f->frame_slots, marks, &at);
        if (why) {
            char opname[16];
            st = why == wm_not_in_opset ? WEFT_UNSUPPORTED : WEFT_MALFORMED;
            wu_error(err, st, off[SEC_CODE] + (size_t)at * 2,
                     "image code of function %u, instruction %s: %s", i,
                     wm_opcode_label(m->code[at], opname), why);
            goto fail;
        }
    }
    for (uint32_t i = 0; i < m->ntables; i++) {
        wm_table *t = &m->tables[i];
        uint32_t fl = num(&r);
        t->elem = (uint8_t)fl;
        t->limits.has_max = (fl >> 8) != 0;
        t->limits.min = num64(&r);
        t->limits.max = num64(&r);
        t->init_off = num(&r);
        t->init_len = num(&r);
        if (r.bad || (fl >> 9) || (t->elem != WEFT_FUNCREF && t->elem != WEFT_EXTERNREF) ||
            !in_pool(m, t->init_off, t->init_len) ||
            (t->init_len && !const_ok(m, t->init_off, t->init_len, m->nimported_globals))) {
            bad = "table";
            goto bad;
        }
    }
    for (uint32_t i = 0; i < m->nmems; i++) {
        wm_memory *mm = &m->mems[i];
        uint32_t fl = num(&r);
        mm->page_log2 = (uint8_t)fl;
        mm->is64 = ((fl >> 8) & 1) != 0;
        mm->limits.has_max = ((fl >> 9) & 1) != 0;
        mm->limits.min = num64(&r);
        mm->limits.max = num64(&r);
        if (r.bad || (fl >> 10) || (mm->page_log2 != 16 && mm->page_log2 != 0) || mm->is64) {
            bad = "memory";
            goto bad;
        }
    }
    for (uint32_t i = 0; i < m->nglobals; i++) {
        wm_global *gl = &m->globals[i];
        uint32_t tm = num(&r);
        gl->type = (uint8_t)tm;
        gl->mutable_ = (tm >> 8) != 0;
        gl->init_off = num(&r);
        gl->init_len = num(&r);
        if (r.bad || (tm >> 9) || gl->type > WEFT_EXTERNREF ||
            !in_pool(m, gl->init_off, gl->init_len) ||
            (i >= m->nimported_globals && !const_ok(m, gl->init_off, gl->init_len, i))) {
            bad = "global";
            goto bad;
        }
    }
    uint32_t nimp[5] = {0, 0, 0, 0, 0};
    for (uint32_t i = 0; i < m->nimports; i++) {
        wm_import *im = &m->imports[i];
        uint32_t mo = num(&r), ml = num(&r), no = num(&r), nl = num(&r), kind = num(&r);
        im->index = num(&r);
        /* the k-th import of a kind is that kind's index k */
        if (r.bad || kind > 4 || !pool_name(m, mo, ml) || !pool_name(m, no, nl) ||
            im->index >= space_size(m, kind) || im->index != nimp[kind]++) {
            bad = "import";
            goto bad;
        }
        im->kind = (uint8_t)kind;
        im->module = (const char *)m->pool + mo;
        im->module_len = ml;
        im->name = (const char *)m->pool + no;
        im->name_len = nl;
    }
    if (nimp[0] != m->nimported_funcs || nimp[1] != m->nimported_tables ||
        nimp[2] != m->nimported_mems || nimp[3] != m->nimported_globals ||
        nimp[4] != m->nimported_tags) {
        bad = "import count";
        goto bad;
    }
    if (m->start != UINT32_MAX && (m->types[m->funcs[m->start].type].nparams != 0 ||
                                   m->types[m->funcs[m->start].type].nresults != 0)) {
        bad = "start function type";
        goto bad;
    }
    for (uint32_t i = 0; i < m->nexports; i++) {
        wm_export *ex = &m->exports[i];
        uint32_t no = num(&r), nl = num(&r), kind = num(&r);
        ex->index = num(&r);
        if (r.bad || kind > 4 || !pool_name(m, no, nl) || ex->index >= space_size(m, kind)) {
            bad = "export";
            goto bad;
        }
        ex->kind = (uint8_t)kind;
        ex->name = (const char *)m->pool + no;
        ex->name_len = nl;
    }
    for (uint32_t i = 0; i < m->nelems; i++) {
        wm_elem *el = &m->elems[i];
        uint32_t f = num(&r);
        el->mode = (uint8_t)f;
        el->type = (uint8_t)(f >> 8);
        el->exprs = ((f >> 16) & 1) != 0;
        el->table = num(&r);
        el->offset_off = num(&r);
        el->offset_len = num(&r);
        uint32_t count = num(&r);
        /* each item takes at least a byte */
        if (r.bad || (f >> 17) || el->mode > WM_SEG_DECLARATIVE || count > r.end - r.pos ||
            (el->mode == WM_SEG_ACTIVE && (el->table >= m->ntables ||
                                           !in_pool(m, el->offset_off, el->offset_len) ||
                                           !const_ok(m, el->offset_off, el->offset_len,
                                                     m->nglobals)))) {
            bad = "element segment";
            goto bad;
        }
        el->items = WU_NEW_ARRAY(engine, uint32_t, count + 1);
        if (!el->items)
            goto nomem;
        el->count = count;
        for (uint32_t k = 0; k < count; k++) {
            el->items[k] = num(&r);
            if (r.bad || (el->exprs ? !const_ok(m, el->items[k], UINT32_MAX, m->nglobals)
                                    : el->items[k] >= m->nfuncs)) {
                bad = "element item";
                goto bad;
            }
        }
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        wm_data *ds = &m->datas[i];
        uint32_t mode = num(&r);
        ds->mode = (uint8_t)mode;
        ds->memory = num(&r);
        ds->offset_off = num(&r);
        ds->offset_len = num(&r);
        ds->bytes_off = num(&r);
        ds->bytes_len = num(&r);
        if (r.bad || mode > WM_SEG_PASSIVE || !in_pool(m, ds->bytes_off, ds->bytes_len) ||
            (ds->mode == WM_SEG_ACTIVE && (ds->memory >= m->nmems ||
                                           !in_pool(m, ds->offset_off, ds->offset_len) ||
                                           !const_ok(m, ds->offset_off, ds->offset_len,
                                                     m->nglobals)))) {
            bad = "data segment";
            goto bad;
        }
    }
    if (!load_handlers(m, &r)) {
        bad = "exception handler table";
        goto bad;
    }
    if (r.pos != r.end) {
        char g[24];
        wu_fmt(g, sizeof g, "%zu", r.end - r.pos);
        st = refuse(err, off[SEC_META] + r.pos,
                    "image meta section: %s left past the last record (bytes)%s", g, "");
        goto fail;
    }
    wu_free(engine, marks, 0);
    m->from_image = true;
    *out = m;
    return WEFT_OK;
nomem:
    st = wu_error(err, WEFT_NOMEM, 0, "out of memory loading an image");
    goto fail;
bad:
    st = wu_error(err, WEFT_MALFORMED, WEFT_NO_OFFSET, "image has an invalid %s", bad);
fail:
    wu_free(engine, marks, 0);
    m->code = NULL;
    m->pool = NULL;
    weft_module_delete(m);
    return st;
}
