package controllertest

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clienttesting "k8s.io/client-go/testing"
)

// Writes returns the creates, updates, patches and deletes among actions
// (the Actions() of one or more fake clientsets, in that order), each as
// "verb resource[/subresource] name", in the order they were made. Reads
// are left out. Sort the result when the order of the writes is not
// part of what a test checks.
func Writes(actions ...[]clienttesting.Action) []string {
	var out []string
	for _, list := range actions {
		for _, a := range list {
			var name string
			switch a := a.(type) {
			case clienttesting.CreateActionImpl:
				name = a.GetObject().(metav1.Object).GetName()
			case clienttesting.UpdateActionImpl:
				name = a.GetObject().(metav1.Object).GetName()
			case clienttesting.PatchActionImpl:
				name = a.GetName()
			case clienttesting.DeleteActionImpl:
				name = a.GetName()
			default:
				continue
			}
			res := a.GetResource().Resource
			if a.GetSubresource() != "" {
				res += "/" + a.GetSubresource()
			}
			out = append(out, a.GetVerb()+" "+res+" "+name)
		}
	}
	return out
}

// StatusWrites counts the updates of the status subresource among
// actions.
func StatusWrites(actions ...[]clienttesting.Action) int {
	n := 0
	for _, list := range actions {
		for _, a := range list {
			if a.GetVerb() == "update" && a.GetSubresource() == "status" {
				n++
			}
		}
	}
	return n
}
