/* Prints selected environment variables and the size of the environment. */
#include <stdio.h>
#include <stdlib.h>

extern char **environ;

static void show(const char *name)
{
    const char *v = getenv(name);
    if (v != NULL)
        printf("%s=[%s]\n", name, v);
    else
        printf("%s unset\n", name);
}

int main(void)
{
    int n = 0;
    char **e;
    show("FOO");
    show("EMPTY");
    show("WITH_EQ");
    show("HOME");
    show("PATH");
    for (e = environ; *e != NULL; e++)
        n++;
    printf("count=%d\n", n);
    return 0;
}
