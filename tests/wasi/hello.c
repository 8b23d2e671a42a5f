/* Writes to stdout and stderr. */
#include <stdio.h>

int main(void)
{
    printf("hello, world\n");
    printf("%d + %d = %d\n", 2, 3, 2 + 3);
    fprintf(stderr, "hello, stderr\n");
    return 0;
}
