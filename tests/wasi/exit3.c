/* Prints, then exits with status 3. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    printf("about to exit\n");
    exit(3);
}
