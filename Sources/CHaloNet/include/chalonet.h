/*
 * Linux networking headers for HaloNet: rtnetlink, generic netlink, sock_diag, AF_PACKET, ICMPv6. No logic lives here;
 * the inline functions stand in for the kernel headers' function-like macros, which Swift
 * cannot import.
 */
#ifndef CHALONET_H
#define CHALONET_H

#include <linux/netlink.h>
#include <linux/genetlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/if_packet.h>
#include <linux/if_ether.h>
#include <linux/filter.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/icmp6.h>
#include <sys/socket.h>

/* Netlink alignment (NLMSG_ALIGNTO, RTA_ALIGNTO are both 4). */
static inline unsigned int halo_nl_align(unsigned int length) { return NLMSG_ALIGN(length); }

#endif
