import { Netmask } from "netmask";

/**
 * The `index`-th block of `newBits` more prefix bits inside `cidr` (Terraform's cidrsubnet), via netmask.
 * 10.80.0.0/16, 4, 1 -> 10.80.16.0/20.
 */
export function subnetCidr(cidr: string, newBits: number, index: number): string {
    const parent = new Netmask(cidr);
    if (index < 0 || index >= 2 ** newBits) {
        throw new Error(`subnet index ${index} does not fit in ${cidr} split ${2 ** newBits} ways`);
    }
    return new Netmask(`${parent.base}/${parent.bitmask + newBits}`).next(index).toString();
}
