/* main.c - cubectl: everything is in the command table (cmd.c). */
#include "cubectl.h"

int main(int argc, char **argv)
{
	return cctl_main(argc, argv);
}
